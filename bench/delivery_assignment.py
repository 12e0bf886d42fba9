"""Rider assignment on Redis: the atomic Lua claim against a client-side GEOSEARCH + ZREM baseline.

Both pick the nearest free rider and both are correct (ZREM succeeds once per rider), but the
baseline needs two round trips per attempt and retries whenever a concurrent caller took the same
rider first; the Lua claim is one round trip and never retries. Measured at the same concurrency,
on the same Redis, in the same run; a third line measures live location updates.

Runs on a private Redis of its own (``.pizza-bench/delivery_assignment/``, ports from ``--port-base``;
see bench/stack.py), started and stopped here; ``--target-existing-stack`` runs it on the Redis the
``PIZZA_*`` environment names instead:
``uv run python bench/delivery_assignment.py --riders 2000 --concurrency 32 [--json PATH]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import BlockingConnectionPool, Redis

from api.domain.delivery.riders import RiderRegistry
from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack
from pizza.config import PlatformSettings
from pizza.ids import new_id

CENTRE = (52.5219, 13.4132)
WRITES = "synthetic riders (GEO sets, rider hashes) under bench-* city keys in Redis, deleted at the end"


async def timed(jobs: list[Callable[[], Awaitable[object]]], concurrency: int) -> tuple[float, list[float]]:
    """Run the jobs with at most ``concurrency`` in flight; wall seconds and per-job latencies (ms)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def run(job: Callable[[], Awaitable[object]]) -> None:
        async with gate:
            started = time.perf_counter()
            await job()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*[run(j) for j in jobs])
    return time.perf_counter() - started, latencies


def report(name: str, count: int, seconds: float, latencies: list[float], extra: str = "") -> tuple[float, float]:
    """Print one line; return (operations/s, p50 ms)."""
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"{name:<34} {count / seconds:>10,.0f}/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   {extra}")
    return count / seconds, p50


async def populate(registry: RiderRegistry, city: str, riders: int, spread: float) -> list[uuid.UUID]:
    rng = random.Random(3)
    ids = [new_id() for _ in range(riders)]
    for rider in ids:
        lat, lon = CENTRE[0] + rng.uniform(-spread, spread), CENTRE[1] + rng.uniform(-spread, spread)
        await registry.go_online(rider, city, lat, lon)
    return ids


async def cleanup(redis: Redis, city: str, riders: list[uuid.UUID]) -> None:
    async for key in redis.scan_iter(match=RiderRegistry.key(city, "*"), count=1000):
        await redis.delete(key)
    await redis.delete(*[RiderRegistry.rider_key(r) for r in riders])


async def main(settings: PlatformSettings, riders: int, concurrency: int, radius_km: float) -> Report:
    result = Report("delivery_assignment", {"riders": riders, "concurrency": concurrency, "radius_km": radius_km})
    redis = Redis(connection_pool=BlockingConnectionPool.from_url(settings.redis, max_connections=concurrency))
    registry = RiderRegistry(redis)
    print(f"Redis {settings.redis}: {riders} riders within ~1.5 km, as many orders, concurrency {concurrency}")

    city = f"bench-lua-{uuid.uuid4().hex[:6]}"
    ids = await populate(registry, city, riders, 0.01)
    claimed: list[uuid.UUID] = []

    async def lua_claim() -> None:
        claim = await registry.claim_nearest(city, new_id(), *CENTRE, radius_km, 3600)
        if claim is not None:
            claimed.append(claim.rider_id)

    seconds, latencies = await timed([lua_claim for _ in range(riders)], concurrency)
    assert len(claimed) == len(set(claimed)) == riders, "a rider was claimed twice"
    lua = report("Lua claim (GEOSEARCH+claim, 1 trip)", riders, seconds, latencies, "retries 0")
    await cleanup(redis, city, ids)

    city = f"bench-base-{uuid.uuid4().hex[:6]}"
    ids = await populate(registry, city, riders, 0.01)
    available = RiderRegistry.key(city, "available")
    retries = 0
    taken: list[str] = []

    async def baseline_claim() -> None:
        nonlocal retries
        while True:
            found = await redis.geosearch(
                available, longitude=CENTRE[1], latitude=CENTRE[0], radius=radius_km, unit="km", sort="ASC", count=1
            )
            if not found:
                return
            rider = found[0].decode() if isinstance(found[0], bytes) else str(found[0])
            if await redis.zrem(available, rider):
                taken.append(rider)
                return
            retries += 1  # a concurrent caller took this rider between our two round trips

    seconds, latencies = await timed([baseline_claim for _ in range(riders)], concurrency)
    assert len(taken) == len(set(taken)) == riders
    base = report("baseline GEOSEARCH then ZREM", riders, seconds, latencies, f"retries {retries:,}")
    result.add(Figure("Lua claim of the nearest rider", lua[0], "claims/s", "client-side GEOSEARCH then ZREM",
                      base[0], params={"baseline_retries": retries}))  # fmt: skip
    result.add(Figure("Lua claim p50 latency", lua[1], "ms", "GEOSEARCH then ZREM p50 latency", base[1],
                      higher_is_better=False))  # fmt: skip
    await cleanup(redis, city, ids)

    city = f"bench-move-{uuid.uuid4().hex[:6]}"
    ids = await populate(registry, city, riders, 0.01)
    rng = random.Random(5)
    moves = [ids[i % len(ids)] for i in range(riders * 3)]

    def move(rider: uuid.UUID) -> Callable[[], Awaitable[object]]:
        return lambda: registry.move(rider, CENTRE[0] + rng.uniform(-0.01, 0.01), CENTRE[1] + rng.uniform(-0.01, 0.01))

    seconds, latencies = await timed([move(r) for r in moves], concurrency)
    moved = report("location update (GEO x2 + state)", len(moves), seconds, latencies)

    def plain_geoadd(rider: uuid.UUID) -> Callable[[], Awaitable[object]]:
        return lambda: redis.geoadd(RiderRegistry.key(city, "online"), [CENTRE[1], CENTRE[0], str(rider)])

    seconds, latencies = await timed([plain_geoadd(r) for r in moves], concurrency)
    added = report("baseline single GEOADD", len(moves), seconds, latencies)
    result.add(Figure("rider location update", moved[0], "updates/s", "a single GEOADD", added[0]))
    await cleanup(redis, city, ids)
    await redis.aclose()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--riders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--radius-km", type=float, default=5.0)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    with bench_stack("delivery_assignment", args, services=("redis",), writes=WRITES) as settings:
        outcome = asyncio.run(main(settings, args.riders, args.concurrency, args.radius_km))
    outcome.write(args.json)
