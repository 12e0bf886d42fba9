"""The saga's timer: scan every shard for sagas whose deadline passed and let the orchestrator act.

Deadlines live in the saga rows, not in this process, so a crash loses no timer: the next process (or
another one already running) finds the same rows. Scans repeat at once while work was found and every
``interval_s`` otherwise; a due saga waits at most about one interval beyond its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

from api.domain.saga.orchestrator import SagaOrchestrator
from pizza.logs import get_logger
from pizza.messaging.health import Stall

log = get_logger(__name__)


class SagaTimer:
    def __init__(
        self,
        orchestrator: SagaOrchestrator,
        shards: Sequence[str],
        *,
        interval_s: float = 1.0,
        batch: int = 100,
        beat: Callable[[], None] = lambda: None,
    ) -> None:
        self.orchestrator = orchestrator
        self.shards = list(shards)
        self.interval_s = interval_s
        self.batch = batch
        self.beat = beat
        self.stall = Stall()  # a scan failing (a shard unreachable): due sagas wait, readiness says so

    async def tick(self) -> int:
        """One scan over every shard; the number of sagas woken."""
        woken = 0
        for shard in self.shards:
            woken += await self.orchestrator.wake_due(shard, self.batch)
        return woken

    async def run(self, stop: asyncio.Event) -> None:
        log.info("saga timer running", shards=self.shards, interval_s=self.interval_s)
        while not stop.is_set():
            try:
                woken = await self.tick()
                self.stall.cleared()
            except Exception as exc:  # noqa: BLE001 - e.g. a shard unreachable: logged, scanned again next time
                log.warning("saga timer scan failed", error=f"{type(exc).__name__}: {exc}")
                self.stall.blocked(f"{type(exc).__name__}: {exc}")
                woken = 0
            self.beat()
            if woken == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)
