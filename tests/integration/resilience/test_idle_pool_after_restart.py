"""A pool that sat idle through a Postgres restart hands out a live connection on the first request.

Every idle connection is dead after the restart. psycopg_pool alone would test them one by one, backing
off longer after each, and a caller's 5 s timeout ran out before a live one came (the API answered 503 to
the first request made minutes after Postgres was back). ``pizza.db.connections.PurgeOnFailure`` has
the pool replace all of them as soon as the first turns out dead.
"""

from __future__ import annotations

import pytest

from pizza.config import PlatformSettings
from pizza.db.connections import PG_POOL_TIMEOUT_S, pg_pool
from pizzactl.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

IDLE = 8


async def test_an_idle_pool_answers_the_first_request_after_a_restart(stack: PlatformSettings) -> None:
    pool = pg_pool(stack.catalog, name="idle-through-restart", min_size=IDLE, max_size=IDLE)
    await pool.open(wait=True)
    try:
        assert pool.get_stats()["pool_available"] == IDLE
        servers = Stack(stack, ["pg"])
        servers.down()
        servers.up()

        async with pool.connection(timeout=PG_POOL_TIMEOUT_S) as conn:  # PoolTimeout before the purge
            row = await (await conn.execute("SELECT 1 AS one")).fetchone()
        assert row == {"one": 1}
        assert pool.get_stats().get("connections_lost", 0) >= 1
    finally:
        await pool.close()
