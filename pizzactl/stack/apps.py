"""The platform's own long-running processes, managed like the stack's servers (pid files, health).

``pizza stack up --apps`` (and ``make demo``) starts them after the servers; ``pizza stack down``
stops them first. Each runs a ``pizza`` command in its own session, so it is stopped by its pid
only. Ports come from the same variables the processes read themselves.

An app counts as healthy when it is *ready* (``/ready``: the stores it needs answer and none of its
loops is stuck with work waiting), not merely alive, so ``pizza stack status`` shows a process that
cannot do its work; the status detail names the failing checks.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import httpx

from api.domain.saga.settings import SagaSettings
from api.settings import ApiSettings
from dashboards.settings import DashboardSettings
from pizza.config import PlatformSettings
from pizzactl.stack import process
from pizzactl.stack.services import Service, ServiceStatus
from streaming.settings import CdcSettings, LakeSinkSettings


@dataclass(frozen=True)
class AppPorts:
    """Where the apps listen, read from each app's own settings: one variable and one default per port."""

    api_port: int = field(default_factory=lambda: ApiSettings().port)
    dashboards_port: int = field(default_factory=lambda: DashboardSettings().port)
    cdc_metrics_port: int = field(default_factory=lambda: CdcSettings().metrics_port)
    lake_sink_metrics_port: int = field(default_factory=lambda: LakeSinkSettings().metrics_port)
    saga_metrics_port: int = field(default_factory=lambda: SagaSettings().metrics_port)


class AppProcess(Service):
    """A `pizza ...` command kept running in the background."""

    expect = "pizzactl.cli.main"
    command: tuple[str, ...] = ()
    health_path = "/ready"

    def __init__(self, settings: PlatformSettings, ports: AppPorts | None = None) -> None:
        super().__init__(settings)
        self.ports = ports or AppPorts()

    def env(self) -> dict[str, str]:
        return {}

    def _start(self) -> None:
        process.spawn(
            [sys.executable, "-m", "pizzactl.cli.main", *self.command],
            log_file=self.log_file,
            pid_file=self.pid_file,
            env=self.env(),
        )

    def healthy(self) -> bool:
        return self.probe()[0]

    def probe(self) -> tuple[bool, str]:
        """(ready, what is failing): the failing checks of a JSON readiness body, else the status code."""
        try:
            response = httpx.get(f"http://127.0.0.1:{self.port}{self.health_path}", timeout=3)
        except httpx.HTTPError as exc:
            return False, f"no answer: {type(exc).__name__}"
        if response.status_code == 200:
            return True, ""
        try:
            checks = response.json().get("checks", {})
            failing = [f"{name}: {result}" for name, result in checks.items() if result != "ok"]
        except (ValueError, AttributeError):
            failing = []
        return False, "; ".join(failing) or f"{self.health_path} answered {response.status_code}"

    def status(self) -> ServiceStatus:
        running = self.running()
        ready, detail = self.probe() if running else (False, "")
        return ServiceStatus(self.name, self.port, self.pid() if running else None, running, ready, detail)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ApiApp(AppProcess):
    name = "api"
    command = ("api",)

    def running(self) -> bool:
        """`pizza api` execs Granian, whose process title then names the app instead of our command."""
        pid = self.pid()
        return process.is_alive(pid, self.expect) or process.is_alive(pid, "api.app:create_app")

    @property
    def port(self) -> int:
        return self.ports.api_port

    def env(self) -> dict[str, str]:
        return {"PIZZA_API_PORT": str(self.port)}


class CdcRelayApp(AppProcess):
    name = "cdc"
    command = ("cdc", "run")

    @property
    def port(self) -> int:
        return self.ports.cdc_metrics_port

    def env(self) -> dict[str, str]:
        return {"PIZZA_CDC_METRICS_PORT": str(self.port)}


class LakeSinkApp(AppProcess):
    name = "lake-sink"
    command = ("lake", "sink")

    @property
    def port(self) -> int:
        return self.ports.lake_sink_metrics_port

    def env(self) -> dict[str, str]:
        return {"PIZZA_LAKE_SINK_METRICS_PORT": str(self.port)}


class SagaApp(AppProcess):
    name = "saga"
    command = ("saga", "run")

    @property
    def port(self) -> int:
        return self.ports.saga_metrics_port

    def env(self) -> dict[str, str]:
        return {"PIZZA_SAGA_METRICS_PORT": str(self.port)}


class DashboardsApp(AppProcess):
    name = "dashboards"
    command = ("dashboards",)
    health_path = "/_stcore/health"

    @property
    def port(self) -> int:
        return self.ports.dashboards_port

    def env(self) -> dict[str, str]:
        return {"PIZZA_DASHBOARDS_PORT": str(self.port)}


ALL_APPS: tuple[type[AppProcess], ...] = (ApiApp, CdcRelayApp, LakeSinkApp, SagaApp, DashboardsApp)
