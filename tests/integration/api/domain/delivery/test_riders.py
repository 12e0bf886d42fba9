"""The rider registry on the real Redis: the Lua claim is exclusive under heavy concurrency, and the
invariant "available iff online and not busy" holds across moves, releases and replays."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import BlockingConnectionPool, Redis

from api.domain.delivery.riders import RiderRegistry
from pizza.config import PlatformSettings
from pizza.ids import new_id

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
CENTRE = (52.5219, 13.4132)


@pytest.fixture
async def registry(stack: PlatformSettings) -> AsyncIterator[RiderRegistry]:
    redis = Redis(connection_pool=BlockingConnectionPool.from_url(stack.redis, max_connections=32))
    try:
        yield RiderRegistry(redis)
    finally:
        await redis.aclose()


async def test_two_hundred_concurrent_claims_take_each_of_forty_riders_once(registry: RiderRegistry, city: str) -> None:
    rng = random.Random(11)
    riders = [new_id() for _ in range(40)]
    for rider in riders:
        await registry.go_online(
            rider, city, CENTRE[0] + rng.uniform(-0.02, 0.02), CENTRE[1] + rng.uniform(-0.02, 0.02)
        )
    orders = [new_id() for _ in range(200)]

    claims = await asyncio.gather(*[registry.claim_nearest(city, o, *CENTRE, 5.0, 3600) for o in orders])

    taken = [(order, claim.rider_id) for order, claim in zip(orders, claims, strict=True) if claim is not None]
    assert len(taken) == 40
    assert {rider for _, rider in taken} == set(riders)  # every rider once, none twice
    for order, rider in taken:
        assert await registry.busy_with(city, rider) == order
    assert await registry.available_count(city) == 0


async def test_a_claim_is_stable_per_order_and_goes_to_the_nearest(registry: RiderRegistry, city: str) -> None:
    near, far = uuid.uuid4(), uuid.uuid4()
    await registry.go_online(far, city, 52.5340, 13.4300)
    await registry.go_online(near, city, 52.5260, 13.4180)
    order = new_id()
    first = await registry.claim_nearest(city, order, *CENTRE, 5.0, 3600)
    again = await registry.claim_nearest(city, order, *CENTRE, 5.0, 3600)
    assert first is not None
    assert again is not None
    assert (first.rider_id, first.new) == (near, True)
    assert first.distance_km == pytest.approx(0.53, abs=0.05)
    assert (again.rider_id, again.new) == (near, False)  # a replay finds its rider, never takes a second
    assert await registry.claim_nearest(city, new_id(), *CENTRE, 1.0, 3600) is None  # far is 1.8 km away


async def test_busy_riders_stay_unassignable_until_released_once(registry: RiderRegistry, city: str) -> None:
    rider, order, later_order = uuid.uuid4(), new_id(), new_id()
    await registry.go_online(rider, city, *CENTRE)
    assert await registry.claim_nearest(city, order, *CENTRE, 5.0, 3600) is not None

    moved = await registry.move(rider, 52.5230, 13.4140)
    assert moved is not None
    assert moved.order_id == order
    assert await registry.available_count(city) == 0  # moving never makes a busy rider available
    assert not await registry.go_offline(rider)
    assert await registry.go_online(rider, city, *CENTRE) == order  # re-announcing keeps the order

    assert await registry.release(city, rider, order) == 1
    assert await registry.claim_nearest(city, later_order, *CENTRE, 5.0, 3600) is not None
    assert await registry.release(city, rider, order) == 0  # a replayed release of the old order
    assert await registry.available_count(city) == 0  # ... does not free the rider from the new one
    assert await registry.busy_with(city, rider) == later_order

    assert await registry.release(city, rider, later_order) == 1
    assert await registry.go_offline(rider)
    assert await registry.position(rider) is None
    assert await registry.move(rider, *CENTRE) is None
