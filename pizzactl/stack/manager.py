"""Bring the whole local stack up, down, or report on it. ``up`` is idempotent and self-healing."""

from __future__ import annotations

from collections.abc import Callable

from pizza.config import PlatformSettings
from pizzactl.stack.apps import ALL_APPS
from pizzactl.stack.services import ALL_SERVICES, Service, ServiceError, ServiceStatus


class StackError(RuntimeError):
    pass


class Stack:
    def __init__(self, settings: PlatformSettings, names: list[str] | None = None, *, apps: bool = False) -> None:
        """The servers (and, with ``apps``, the platform's processes), or just the ``names`` given."""
        self.settings = settings
        servers: list[Service] = [cls(settings) for cls in ALL_SERVICES]
        app_processes: list[Service] = [cls(settings) for cls in ALL_APPS]
        services = servers + app_processes
        if names:
            self.services = [s for s in services if s.name in names]
        else:
            self.services = servers + (app_processes if apps else [])
        unknown = set(names or []) - {s.name for s in services}
        if unknown:
            raise StackError(f"unknown service(s) {sorted(unknown)}; known: {[s.name for s in services]}")

    def up(self, progress: Callable[[str], None] = lambda _m: None) -> dict[str, bool]:
        """Start what is not running; return {service: started_now}."""
        settings_dir = self.settings.state_dir
        settings_dir.mkdir(parents=True, exist_ok=True)
        started: dict[str, bool] = {}
        errors: list[str] = []
        for service in self.services:
            try:
                started[service.name] = service.start()
                progress(
                    f"{service.name}: {'started' if started[service.name] else 'already running'} "
                    f"on 127.0.0.1:{service.port} (pid {service.pid()})"
                )
            except ServiceError as exc:
                errors.append(str(exc))
                progress(f"{service.name}: FAILED: {exc}")
        if errors:
            raise StackError("; ".join(errors))
        return started

    def down(self, progress: Callable[[str], None] = lambda _m: None) -> dict[str, bool]:
        stopped: dict[str, bool] = {}
        for service in reversed(self.services):
            stopped[service.name] = service.stop()
            progress(f"{service.name}: {'stopped' if stopped[service.name] else 'not running'}")
        return stopped

    @property
    def apps(self) -> list[Service]:
        return [s for s in self.services if s.name in {cls.name for cls in ALL_APPS}]

    def status(self) -> list[ServiceStatus]:
        return [service.status() for service in self.services]

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise StackError(f"no service named {name}")
