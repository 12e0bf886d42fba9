"""No log call passes a keyword that Airflow's task supervisor or structlog use themselves.

A task's log lines are JSON events that the supervisor re-emits with
``_log_to_target(target, level, msg, **event)`` and then ``BoundLogger.log(level, event, **kw)``
(``airflow/sdk/execution_time/supervisor.py``); a key named like one of those parameters crashes the
supervisor with ``TypeError: got multiple values for argument`` and fails a task whose work succeeded.
Other keys are overwritten or popped by the processors (``airflow/sdk/_shared/logging/structlog.py``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "streaming", "pipelines", "dags", "pizza", "dashboards")
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "msg", "log"}
# Parameters of the supervisor's re-emit path (target, level, msg), of structlog's log/_proxy_to_logger
# (level, event, method_name), and keys the processors set or consume (logger, logger_name, timestamp,
# positional_args, exception).
RESERVED = {
    "target",
    "level",
    "msg",
    "event",
    "method_name",
    "logger",
    "logger_name",
    "timestamp",
    "positional_args",
    "exception",
}
LOGGER_RECEIVER = re.compile(r"(^|[._])(log|logger|_log|_logger)(\b|\.|\()", re.IGNORECASE)


def _is_logger(receiver: ast.expr) -> bool:
    """``log.info``, ``self.log.info``, ``logger.bind(x=1).warning``, ``structlog.get_logger().info``."""
    text = ast.unparse(receiver)
    return bool(LOGGER_RECEIVER.search(text)) or "get_logger" in text


def reserved_log_keywords(source: str, filename: str) -> list[str]:
    """``file:line: key`` for every logger call passing a reserved keyword."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in LOG_METHODS or not _is_logger(node.func.value):
            continue
        for keyword in node.keywords:
            if keyword.arg in RESERVED:
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node.func)}(..., {keyword.arg}=...)")
    return found


def _python_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py") if ".venv" not in p.parts)


def test_the_check_sees_a_reserved_key() -> None:
    source = "log.info('load.done', target='duckdb')\nself.log.warning('x', warehouse='duckdb')\n"
    assert reserved_log_keywords(source, "example.py") == ["example.py:1: log.info(..., target=...)"]


def test_the_check_ignores_calls_that_are_not_logging() -> None:
    source = "console.print('x', target=1)\nparser.error('x')\nthread = Thread(target=run)\n"
    assert reserved_log_keywords(source, "example.py") == []


def test_no_log_call_uses_a_key_airflow_reserves() -> None:
    files = _python_files()
    assert len(files) > 50, "the packages were not found"
    found = [hit for path in files for hit in reserved_log_keywords(path.read_text(), str(path.relative_to(REPO)))]
    assert found == [], "rename these log keys (they crash Airflow's task supervisor):\n" + "\n".join(found)
