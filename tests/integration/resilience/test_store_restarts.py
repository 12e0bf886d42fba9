"""The restart drill: each store (Postgres, Redis, MongoDB) is restarted, one at a time, under the running
API, CDC relay and saga, with orders in flight, exactly as an operator would (``pizza stack down -s X``,
then ``pizza stack up -s X``).

For each store the drill shows what a client and an operator see:

* while it is down the API answers 503 with problem details and ``Retry-After``, never 500, and its
  readiness (``/ready``, ``pizza stack status``) is false, as is the saga's (and the relay's for Postgres);
* once it is back, readiness turns true by itself and no request fails;
* every order placed before, during (the client waits out the 503s) and after the restart is DELIVERED,
  its saga COMPLETED: none is stranded.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg.rows import dict_row
from restart_drill import PASSWORD, DrillClient, RunningPlatform, Shop, User, Walk, walk_order

from api.domain.accounts.bootstrap import create_user_direct
from api.settings import ApiSettings
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap
from pizzactl.stack import Stack
from pizzactl.stack.apps import AppProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

READINESS_LAG_S = 3.5
DOWN_S = 8.0  # how long each store stays down: long enough for pools, retries and probes to notice
READY_AGAIN_S = 30.0  # readiness must be back this soon after the store is
ORDERS_BEFORE, ORDERS_DURING, ORDERS_AFTER = 3, 2, 2


@dataclass
class Drill:
    store: str
    client: DrillClient
    walks: list[Walk] = field(default_factory=list)
    readiness: dict[str, list[tuple[float, bool, str]]] = field(default_factory=dict)
    down_at: float = 0.0
    up_at: float = 0.0


@pytest.fixture(scope="module")
def client(platform: RunningPlatform) -> Iterator[DrillClient]:
    drill_client = DrillClient(platform.api.url)
    yield drill_client
    drill_client.close()


@pytest.fixture(scope="module")
def admin(stack: PlatformSettings, client: DrillClient) -> User:
    email = f"drill-admin-{uuid.uuid4().hex[:12]}@example.com"
    cheap = ApiSettings(password_hash_time_cost=1, password_hash_memory_kib=8192, password_hash_parallelism=1)
    user_id = asyncio.run(create_user_direct(stack, email=email, password=PASSWORD, name="Drill Admin",
                                             role="admin", settings=cheap))  # fmt: skip
    return client.login(email, "admin", user_id)


def open_shop(client: DrillClient, admin: User, riders: int) -> Shop:
    city = f"Drillstadt {uuid.uuid4().hex[:8]}"
    restaurant_id = client.restaurant(admin, city)
    shop = Shop(city, restaurant_id, client.member(admin, "restaurant_staff", city, restaurant_id))
    for _ in range(riders):
        rider = client.member(admin, "rider", city)
        client.online(rider, city)
        shop.riders[rider.user_id] = rider
    return shop


def start_walk(client: DrillClient, shop: Shop, customer: User, label: str) -> Walk:
    walk = Walk(label)
    threading.Thread(target=walk_order, args=(client, shop, customer, walk), name=label, daemon=True).start()
    return walk


def observe(drill: Drill, apps: tuple[AppProcess, ...]) -> None:
    """One look at each app as ``pizza stack status`` takes it (``/ready``)."""
    for app in apps:
        status = app.status()
        drill.readiness.setdefault(app.name, []).append((time.monotonic(), status.healthy, status.detail))


def saga_states(stack: PlatformSettings, walks: list[Walk]) -> dict[str, str]:
    with psycopg.connect(stack.catalog) as conn:
        shard_map = ShardMap.load(conn)
    states: dict[str, str] = {}
    for dsn in stack.shards.values():
        with psycopg.connect(dsn, row_factory=dict_row) as conn:
            rows = conn.execute(
                "SELECT order_id::text, state FROM order_sagas WHERE order_id = ANY(%s::uuid[])",
                ([w.order_id for w in walks if w.order_id],),
            ).fetchall()
            states |= {r["order_id"]: r["state"] for r in rows}
    assert shard_map.shard_names  # the catalog answered: the map exists
    return states


@pytest.mark.parametrize("store", ["pg", "redis", "mongo"])
def test_a_store_restarts_under_the_running_platform(
    store: str, stack: PlatformSettings, platform: RunningPlatform, client: DrillClient, admin: User
) -> None:
    apps = platform.apps
    total = ORDERS_BEFORE + ORDERS_DURING + ORDERS_AFTER
    shop = open_shop(client, admin, riders=total)
    customers = [client.customer(shop.city) for _ in range(total)]
    drill = Drill(store, client)
    probes = [("GET", "/restaurants"), ("GET", f"/restaurants/{shop.restaurant_id}/menu")]
    for app in apps:  # everything ready before the restart
        assert app.status().healthy, f"{app.name} not ready before the drill: {app.status().detail}"

    drill.walks += [start_walk(client, shop, customers.pop(), f"before-{i}") for i in range(ORDERS_BEFORE)]
    time.sleep(1.5)  # the first orders are placed and on their way through the saga

    servers = Stack(stack, [store])
    servers.down()
    drill.down_at = time.monotonic()  # down from here on: stopping a server can take a few seconds
    drill.walks += [start_walk(client, shop, customers.pop(), f"during-{i}") for i in range(ORDERS_DURING)]
    while time.monotonic() - drill.down_at < DOWN_S:
        for method, path in probes:
            client.once(method, path)
        observe(drill, apps)
        time.sleep(0.3)
    servers.up()
    drill.up_at = time.monotonic()
    drill.walks += [start_walk(client, shop, customers.pop(), f"after-{i}") for i in range(ORDERS_AFTER)]

    while time.monotonic() - drill.up_at < READY_AGAIN_S and not all(app.status().healthy for app in apps):
        observe(drill, apps)
        time.sleep(0.3)
    observe(drill, apps)
    ready_again = {name: next((at - drill.up_at for at, ok, _ in looks if ok and at > drill.up_at), None)
                   for name, looks in drill.readiness.items()}  # fmt: skip

    for walk in drill.walks:
        walk.done.wait(180)
    finished = time.monotonic()

    # --- what clients saw -----------------------------------------------------------------------------
    while_down = client.between(drill.down_at, drill.up_at)
    after = client.between(drill.up_at, finished)
    report = (
        f"{store}: while down {dict(Counter(a.status for a in while_down))}, "
        f"after {dict(Counter(a.status for a in after))}, ready again after "
        f"{ {k: round(v, 1) if v is not None else None for k, v in ready_again.items()} } s"
    )
    print(report)
    assert not [a for a in while_down + after if a.status >= 500 and a.status != 503], report
    unavailable = [a for a in while_down if a.status == 503]
    assert unavailable, f"no 503 while {store} was down: {report}"
    assert all(a.retry_after and a.content_type.startswith("application/problem+json") for a in unavailable)
    assert not [a for a in after if a.status == 0], report

    # --- what the operator saw ------------------------------------------------------------------------
    needs = {"pg": {"api", "cdc", "saga"}, "redis": {"api", "saga"}, "mongo": {"api", "saga"}}[store]
    for name in needs:
        # A readiness answer may still carry a probe that began before the stop: allow one probe's timeout
        # (api.db.probes, 2 s) plus the probing interval (0.5 s here) and the status call itself.
        looks = [ok for at, ok, _ in drill.readiness[name] if drill.down_at + READINESS_LAG_S <= at < drill.up_at]
        assert looks, f"{name} never looked at while {store} was down"
        assert not any(looks), f"{name} reported ready while {store} was down: {drill.readiness[name]}"
    assert all(v is not None for v in ready_again.values()), f"not ready again: {ready_again}"

    # --- where the orders ended -----------------------------------------------------------------------
    stuck = [(w.label, w.order_id, w.reached, w.problem) for w in drill.walks if w.reached != "DELIVERED"]
    assert not stuck, f"{report}; stranded: {stuck}"
    deadline = time.monotonic() + 60  # the saga follows the last events a moment after the rider's answer
    while sorted((sagas := saga_states(stack, drill.walks)).values()) != ["COMPLETED"] * total:
        assert time.monotonic() < deadline, f"sagas not completed: {sagas}"
        time.sleep(0.5)
