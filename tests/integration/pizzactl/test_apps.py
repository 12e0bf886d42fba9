"""The platform's processes are managed like the servers: started once, healthy, stopped by their pid."""

from __future__ import annotations

import httpx
import pytest
from support.serving import free_port

from pizza.config import PlatformSettings
from pizzactl.stack import process
from pizzactl.stack.apps import ApiApp, AppPorts

pytestmark = pytest.mark.integration


def test_the_api_app_starts_once_answers_and_stops_by_pid(stack: PlatformSettings) -> None:
    app = ApiApp(stack, AppPorts(api_port=free_port()))
    try:
        assert app.start(timeout=90) is True
        pid = app.pid()
        assert app.running()  # after `pizza api` has exec'd Granian, whose process title differs
        assert app.start() is False  # idempotent: a running app is left alone
        assert app.pid() == pid
        assert httpx.get(f"{app.url}/health", timeout=5).json() == {"status": "ok"}
    finally:
        app.stop()
    assert not process.is_alive(pid)
    assert not process.port_open(app.port)
