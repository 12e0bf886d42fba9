"""`pizza doctor` names the exact problem and its fix."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pizza.config import PlatformSettings
from pizzactl.doctor import check_java, check_services

pytestmark = pytest.mark.unit


def test_missing_java_is_reported_with_the_install_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no java on it
    [finding] = check_java(PlatformSettings())
    assert not finding.ok
    assert "no `java` on PATH" in finding.detail
    assert "openjdk-17-jre-headless" in finding.fix


def test_old_java_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    [finding] = check_java(PlatformSettings())
    assert not finding.ok
    assert finding.detail == "Java 11"


def test_taken_port_names_the_owner_and_the_fix(tmp_path: Path) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    port = squatter.getsockname()[1]
    try:
        settings = PlatformSettings(state_dir=tmp_path, redis_port=port)
        [redis_finding] = [f for f in check_services(settings) if f.check.startswith("redis")]
        assert not redis_finding.ok
        assert f"port {port} is taken by pid {os.getpid()}" in redis_finding.detail
        assert "PIZZA_REDIS_PORT=<free port>" in redis_finding.fix
    finally:
        squatter.close()
