"""Order creation benchmark: orders/s and p50/p99 over HTTP, beside pgbench running the same SQL on the same shard.

    uv run python bench/orders.py [--workers 2] [--seconds 10] [--concurrency 1 8 32 64] [--json PATH]

Runs on a private stack of its own (``.pizza-bench/orders/``, ports from ``--port-base``; see
bench/stack.py), started and stopped here, so the orders it writes never reach the platform in use;
``--target-existing-stack`` runs it on the stack the ``PIZZA_*`` environment names instead. It starts the API
itself (Granian, ``--workers`` processes, rate limits lifted), creates an administrator, a
restaurant with a menu and a few customers who all live on one shard, then for each concurrency:

1. API: that many clients loop ``POST /orders`` (a fresh Idempotency-Key each, an inline address,
   two lines, no coupon) for ``--seconds``; orders/s of 201 answers, latency p50/p99.
2. baseline: ``pgbench`` with the same number of clients runs the shard-side SQL of one order on
   the same shard for the same time: the idempotency-key lookup, then one transaction inserting the
   key, then (pipelined, as the API does) the order, its two items, the status history row and the
   outbox row; tps, p50/p99.

The ratio API/pgbench is the figure we track: what HTTP, validation, auth, rate limiting, the menu
read from MongoDB, the catalog reads and the projection write cost on top of the shard's own work.
The load generator shares the machine with the server: on a small box both figures are lower
bounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack
from pizza.config import PlatformSettings
from pizza.db.shards import ShardMap

REPO = Path(__file__).resolve().parent.parent
PGBENCH = Path("/usr/lib/postgresql/15/bin/pgbench")
PASSWORD = "benchmark-password-123"
ALWAYS_OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MENU = {
    "items": [
        {"id": "margherita", "name": "Margherita", "category": "pizza", "available": True,
         "sizes": [{"name": "small", "price_cents": 800}, {"name": "large", "price_cents": 1200}],
         "toppings": [{"name": "olives", "price_cents": 100}]},
        {"id": "cola", "name": "Cola", "category": "drink", "available": True,
         "sizes": [{"name": "can", "price_cents": 250}], "toppings": []},
    ]
}  # fmt: skip
ITEMS = [
    {"menu_item_id": "margherita", "size": "large", "toppings": ["olives"], "quantity": 2},
    {"menu_item_id": "cola", "quantity": 2},
]
ADDRESS = {"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.52, "lon": 13.42}

# The shard-side SQL of one order, as the API runs it (see api/domain/orders/repositories.py).
PGBENCH_SCRIPT = """\
\\set key random(1, 1000000000000)
SELECT gen_random_uuid() AS oid, now() AS ts \\gset
SELECT request_hash, order_id FROM idempotency_keys WHERE user_id = :uid::uuid AND key = 'pgb-' || :key::text;
BEGIN;
INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     VALUES (:uid::uuid, 'pgb-' || :key::text, 'f4a2', :oid::uuid)
ON CONFLICT (user_id, key) DO NOTHING RETURNING order_id;
\\startpipeline
INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents, discount_cents,
       delivery_fee_cents, total_cents, coupon_code, city, delivery_address, delivery_lat, delivery_lon,
       idempotency_key, request_hash, created_at, updated_at)
     VALUES (:oid::uuid, :uid::uuid, :rid::uuid, 'PENDING', 'EUR', 3100, 0, 249, 3349, NULL, 'Berlin',
       '{"line1": "Karl-Marx-Allee 1", "city": "Berlin", "lat": 52.52, "lon": 13.42}', 52.52, 13.42,
       'pgb-' || :key::text, 'f4a2', :ts::timestamptz, :ts::timestamptz);
INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, size, toppings, quantity,
       unit_price_cents, line_total_cents)
     VALUES (:oid::uuid, 1, :ts::timestamptz, 'margherita', 'Margherita', 'large', '["olives"]', 2, 1300, 2600),
            (:oid::uuid, 2, :ts::timestamptz, 'cola', 'Cola', 'can', '[]', 2, 250, 500);
INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_by, changed_at)
     VALUES (:oid::uuid, 1, NULL, 'PENDING', 'customer:' || :uid::text, :ts::timestamptz);
INSERT INTO outbox (event_id, aggregate_type, aggregate_id, event_type, schema_version, payload, headers)
     VALUES (gen_random_uuid(), 'order', :oid::text, 'OrderCreated', 1,
       '{"items": [{"menu_item_id": "margherita", "quantity": 2}], "total_cents": 3349}', '{}');
\\endpipeline
COMMIT;
"""


@dataclass(frozen=True, slots=True)
class Figures:
    rate: float  # orders (transactions) per second
    p50_ms: float
    p99_ms: float
    errors: int = 0


def percentile(values: list[float], q: int) -> float:
    """Nearest-rank percentile (``q`` in 1-99); NaN when nothing was measured."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_api(workers: int) -> Any:
    """Start `pizza api` (Granian) on a free port with rate limits lifted; yield its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "100000000",
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_USER": "100000000",
        "PIZZA_API_PG_POOL_MAX": os.environ.get("PIZZA_API_PG_POOL_MAX", "20"),
        "PIZZA_LOG_LEVEL": os.environ.get("PIZZA_LOG_LEVEL", "WARNING"),
    }
    argv = [sys.executable, "-m", "pizzactl.cli.main", "api", "--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180  # a loaded 2-core machine imports the app slowly
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"the API exited with {proc.returncode}:\n{log.read().decode()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the API did not become ready in 180 s:\n{log.read().decode()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prepare(url: str, settings: PlatformSettings, customers: int) -> tuple[str, uuid.UUID, list[dict[str, str]]]:
    """An admin, a restaurant with its menu, and ``customers`` customers who all live on one shard."""
    from api.domain.accounts.bootstrap import create_user_direct

    suffix = uuid.uuid4().hex[:10]
    admin_email = f"bench-admin-{suffix}@example.com"
    asyncio.run(create_user_direct(settings, email=admin_email, password=PASSWORD, name="Bench", role="admin"))
    with httpx.Client(base_url=url, timeout=30) as http:
        admin = {"Authorization": "Bearer " + login(http, admin_email)}
        restaurant = {
            "name": f"Bench Pizzeria {suffix}", "city": "Berlin", "country": "DE", "timezone": "Europe/Berlin",
            "currency": "EUR", "cuisine": "pizza", "address": "Alexanderplatz 1", "lat": 52.5219, "lon": 13.4132,
            "opening_hours": ALWAYS_OPEN,
        }  # fmt: skip
        response = http.post("/restaurants", json=restaurant, headers=admin)
        response.raise_for_status()
        restaurant_id = uuid.UUID(response.json()["restaurant_id"])
        http.put(f"/restaurants/{restaurant_id}/menu", json=MENU, headers=admin).raise_for_status()

        with psycopg.connect(settings.catalog) as conn:
            shard_map = ShardMap.load(conn)
        target: str | None = None
        users: list[dict[str, str]] = []
        attempts = 0
        while len(users) < customers:
            attempts += 1
            if attempts > customers * len(settings.shards) * 4:
                raise RuntimeError("could not find enough customers on one shard")
            email = f"bench-{suffix}-{attempts}@example.com"
            body = {"email": email, "password": PASSWORD, "name": "Bench Customer"}
            signed = http.post("/auth/signup", json=body)
            signed.raise_for_status()
            user_id = signed.json()["user_id"]
            shard = shard_map.shard_for_user(user_id)
            target = target or shard
            if shard == target:
                users.append({"user_id": user_id, "token": login(http, email)})
    assert target is not None
    return target, restaurant_id, users


def login(http: httpx.Client, email: str) -> str:
    response = http.post("/auth/token", data={"username": email, "password": PASSWORD})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def drive_api(
    url: str, restaurant_id: uuid.UUID, users: list[dict[str, str]], clients: int, seconds: float
) -> Figures:
    """``clients`` simulated apps, each with its own HTTP connection (one shared httpx pool collapses
    under many concurrent requests and would measure the load generator, not the API)."""
    body = {"restaurant_id": str(restaurant_id), "items": ITEMS, "address": ADDRESS}
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(n: int) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {users[n % len(users)]['token']}"}
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                key = {"Idempotency-Key": uuid.uuid4().hex}
                response = await http.post("/orders", json=body, headers=headers | key)
                if response.status_code == 201:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return Figures(len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99), errors)


def run_pgbench(dsn: str, user_id: str, restaurant_id: uuid.UUID, clients: int, seconds: int) -> Figures:
    workdir = Path(tempfile.mkdtemp(prefix="pizza-pgbench-"))
    try:
        script = workdir / "order.sql"
        script.write_text(PGBENCH_SCRIPT)
        argv = [
            str(PGBENCH), "--no-vacuum", "--protocol=prepared", f"--client={clients}",
            f"--jobs={min(clients, os.cpu_count() or 1)}", f"--time={seconds}", f"--file={script}",
            "--define", f"uid={user_id}", "--define", f"rid={restaurant_id}",
            "--log", f"--log-prefix={workdir / 'txn'}", dsn,
        ]  # fmt: skip
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{result.stderr[-3000:]}")
        latencies: list[float] = []
        for log in workdir.glob("txn*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]) / 1000)  # microseconds -> ms
        tps = next(
            float(line.split("=")[1].split()[0]) for line in result.stdout.splitlines() if line.startswith("tps = ")
        )
        failed = next(
            (
                int(line.split(":")[1].split()[0])
                for line in result.stdout.splitlines()
                if "failed transactions" in line
            ),
            0,
        )
        return Figures(tps, percentile(latencies, 50), percentile(latencies, 99), failed)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


WRITES = (
    "an administrator, a restaurant with its menu (catalog, MongoDB), --customers customers, and every order "
    "the API and pgbench place in --seconds per concurrency (orders, items, status history, outbox) on one shard"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="Granian worker processes")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--customers", type=int, default=8, help="customers (all on one shard) placing orders")
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    if not PGBENCH.exists():
        sys.exit(f"pgbench not found at {PGBENCH}")

    sizes = {"workers": args.workers, "seconds": args.seconds, "concurrency": args.concurrency,
             "customers": args.customers}  # fmt: skip
    report = Report("orders", sizes)
    with bench_stack("orders", args, writes=WRITES) as settings:
        print(f"API with {args.workers} Granian workers; {args.seconds} s per run; {os.cpu_count()} CPUs shared")
        print(f"load average before: {os.getloadavg()[0]:.1f} (other work on the machine skews both columns)")
        with serve_api(args.workers) as url:
            shard, restaurant_id, users = prepare(url, settings, args.customers)
            print(f"{len(users)} customers on {shard}; restaurant {restaurant_id}\n")
            header = f"{'clients':>7} | {'API orders/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | "
            header += f"{'pgbench tps':>11} {'p50 ms':>7} {'p99 ms':>7} | {'API/pgbench':>11}"
            print(header)
            print("-" * len(header))
            for clients in args.concurrency:
                api = asyncio.run(drive_api(url, restaurant_id, users, clients, args.seconds))
                base = run_pgbench(settings.shards[shard], users[0]["user_id"], restaurant_id, clients, args.seconds)
                print(
                    f"{clients:>7} | {api.rate:>12.1f} {api.p50_ms:>7.1f} {api.p99_ms:>7.1f} {api.errors:>6} | "
                    f"{base.rate:>11.1f} {base.p50_ms:>7.1f} {base.p99_ms:>7.1f} | {api.rate / base.rate:>10.1%}",
                    flush=True,
                )
                record(report, clients, api, base)
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    report.write(args.json)


def record(report: Report, clients: int, api: Figures, base: Figures) -> None:
    params = {"clients": clients, "api_errors": api.errors, "pgbench_failed": base.errors}
    report.add(Figure("API orders/s", api.rate, "orders/s", "pgbench tps, same SQL, same shard", base.rate,
                      params=params))  # fmt: skip
    for label, value, baseline in (("p50", api.p50_ms, base.p50_ms), ("p99", api.p99_ms, base.p99_ms)):
        report.add(Figure(f"API {label} latency", value, "ms", f"pgbench {label} latency", baseline,
                          higher_is_better=False, params=params))  # fmt: skip


if __name__ == "__main__":
    main()
