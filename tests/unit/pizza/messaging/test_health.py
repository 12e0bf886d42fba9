"""The readiness bookkeeping of a worker process: stalls and named checks."""

from __future__ import annotations

import time

import pytest

from pizza.messaging.health import OK, Readiness, Stall

pytestmark = pytest.mark.unit


def test_a_stall_reports_what_blocks_the_loop_until_it_is_cleared() -> None:
    stall = Stall()
    assert stall.check() == OK
    stall.blocked("OperationalError: connection refused")
    assert stall.check().startswith("stalled 0s: OperationalError")
    assert stall.check(grace_s=60) == OK  # not yet longer than the grace
    stall.cleared()
    assert stall.check() == OK


def test_readiness_needs_every_check_ok_and_fresh() -> None:
    readiness = Readiness()
    assert readiness.report() == (False, {})  # nothing checked yet: not ready
    readiness.set("catalog", OK)
    readiness.set("redis", "error: ConnectionError")
    assert readiness.report() == (False, {"catalog": OK, "redis": "error: ConnectionError"})
    readiness.set("redis", OK)
    assert readiness.report() == (True, {"catalog": OK, "redis": OK})
    readiness.set("redis", OK, fresh_for_s=0.01)
    time.sleep(0.02)
    ready, checks = readiness.report()
    assert not ready
    assert checks["redis"].startswith("not checked for")
