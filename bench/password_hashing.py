"""Password hashing under an anonymous sign-up flood: the API worker's peak memory and the answers' latency
with the hashing bound (``PIZZA_API_PASSWORD_HASH_SLOTS`` / ``_QUEUE``) beside the same flood without it,
at the production Argon2 cost (64 MiB, 3 passes, 4 lanes); and how long a password-reset request takes
for a known and an unknown e-mail (they must not differ).

    uv run python bench/password_hashing.py --flood 32 [--json PATH]

Each configuration is a fresh one-worker API (``pizza api``), so the worker's peak resident memory
(``VmHWM``) is that flood's alone. "unbounded" gives the pool as many slots as the flood has requests and
an unlimited queue, as a server without the bound does; "thread pool only" has 6 slots and an unlimited
queue (what ``asyncio.to_thread``'s default pool gave on 2 cores before the bound: memory capped, waiting
not). Runs on a private stack (``.pizza-bench/password_hashing/``; see bench/stack.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench.results import Figure, Report, add_json_argument
from bench.stack import add_stack_arguments, bench_stack, progress

REPO = Path(__file__).resolve().parent.parent
WRITES = "customer accounts signed up through POST /auth/signup (e-mails flood-*@bench.pizza)"
PASSWORD = "correct-horse-battery-staple"
PRODUCTION_COST = {
    "PIZZA_API_PASSWORD_HASH_TIME_COST": "3",
    "PIZZA_API_PASSWORD_HASH_MEMORY_KIB": "65536",
    "PIZZA_API_PASSWORD_HASH_PARALLELISM": "4",
}


@dataclass(frozen=True, slots=True)
class Flood:
    label: str
    slots: int
    queue: int
    peak_rss_mib: float
    idle_rss_mib: float
    served: int
    refused: int
    other: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    wall_s: float


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_pid(server_pid: int) -> int:
    """Granian's worker: the server process's only child."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("the API started no worker")


def rss_mib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for pid {pid}")


@contextlib.contextmanager
def serve_api(**env: str) -> Iterator[tuple[str, int]]:
    """A one-worker ``pizza api`` with limits lifted and the given settings; (base URL, worker pid)."""
    port = free_port()
    child_env = {
        **os.environ,
        **PRODUCTION_COST,
        "PIZZA_API_RATE_LIMIT_PER_MINUTE_IP": "100000000",
        "PIZZA_API_SIGNUPS_PER_HOUR_IP": "100000000",
        "PIZZA_API_PASSWORD_RESETS_PER_HOUR_IP": "100000000",
        "PIZZA_API_PASSWORD_RESETS_PER_HOUR_ACCOUNT": "100000000",
        "PIZZA_LOG_LEVEL": "WARNING",
        **env,
    }
    argv = [sys.executable, "-m", "pizzactl.cli.main", "api", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(argv, cwd=REPO, env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the API exited with {proc.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not become ready in 180 s")
            time.sleep(0.3)
        yield url, worker_pid(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def flood(url: str, n: int) -> tuple[list[int], list[float], float]:
    """``n`` sign-ups sent at once; their statuses, their latencies (ms) and the wall time (s)."""
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=httpx.Limits(max_connections=n)) as http:
        await http.get("/health")
        start = asyncio.Event()

        async def one() -> tuple[int, float]:
            body = {"email": f"flood-{uuid.uuid4().hex[:12]}@bench.pizza", "password": PASSWORD, "name": "Flood"}
            await start.wait()
            began = time.perf_counter()
            response = await http.post("/auth/signup", json=body)
            return response.status_code, (time.perf_counter() - began) * 1000

        tasks = [asyncio.create_task(one()) for _ in range(n)]
        await asyncio.sleep(0.2)
        began = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
        return [s for s, _ in results], [ms for _, ms in results], time.perf_counter() - began


def measure_flood(label: str, slots: int, queue: int, n: int) -> Flood:
    progress(f"flood of {n} sign-ups: {label} (slots {slots}, queue {queue})")
    env = {"PIZZA_API_PASSWORD_HASH_SLOTS": str(slots), "PIZZA_API_PASSWORD_HASH_QUEUE": str(queue)}
    with serve_api(**env) as (url, pid):
        idle = rss_mib(pid, "VmHWM")
        statuses, latencies, wall = asyncio.run(flood(url, n))
        peak = rss_mib(pid, "VmHWM")
    served = [ms for s, ms in zip(statuses, latencies, strict=True) if s == 201]
    return Flood(
        label, slots, queue, peak, idle, statuses.count(201), statuses.count(503),
        len(statuses) - statuses.count(201) - statuses.count(503),
        quantile(served, 0.5), quantile(served, 0.99), max(latencies), wall,
    )  # fmt: skip


def measure_reset_timing(rounds: int) -> tuple[float, float]:
    """Median ms of POST /auth/password-reset for a known and for an unknown e-mail, interleaved."""
    with serve_api() as (url, _), httpx.Client(base_url=url, timeout=30) as http:
        email = f"reset-{uuid.uuid4().hex[:12]}@bench.pizza"
        assert http.post("/auth/signup", json={"email": email, "password": PASSWORD, "name": "R"}).status_code == 201
        known: list[float] = []
        unknown: list[float] = []
        for i in range(rounds):
            for target, into in ((email, known), (f"nobody-{i}-{uuid.uuid4().hex[:8]}@bench.pizza", unknown)):
                began = time.perf_counter()
                assert http.post("/auth/password-reset", json={"email": target}).status_code == 202
                into.append((time.perf_counter() - began) * 1000)
    return statistics.median(known), statistics.median(unknown)


def main(n: int, rounds: int) -> Report:
    report = Report("password_hashing", {"flood": n, "reset_rounds": rounds, "cost": PRODUCTION_COST})
    floods = [
        measure_flood("unbounded", n, 100_000, n),
        measure_flood("thread pool only", 6, 100_000, n),
        measure_flood("bounded (defaults)", 4, 16, n),
    ]
    print(f"\n{'configuration':<20} {'slots':>5} {'queue':>6} {'peak RSS MiB':>12} {'idle':>6} {'201':>4} "
          f"{'503':>4} {'other':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'wall s':>6}")  # fmt: skip
    for f in floods:
        print(f"{f.label:<20} {f.slots:>5} {f.queue:>6} {f.peak_rss_mib:>12.0f} {f.idle_rss_mib:>6.0f} "
              f"{f.served:>4} {f.refused:>4} {f.other:>5} {f.p50_ms:>8.0f} {f.p99_ms:>8.0f} {f.max_ms:>8.0f} "
              f"{f.wall_s:>6.1f}")  # fmt: skip
    unbounded, _, bounded = floods
    report.add(Figure("peak worker RSS, bounded", bounded.peak_rss_mib, "MiB", "unbounded", unbounded.peak_rss_mib,
                      higher_is_better=False))  # fmt: skip
    report.add(Figure("slowest answer, bounded", bounded.max_ms, "ms", "unbounded", unbounded.max_ms,
                      higher_is_better=False))  # fmt: skip
    report.notes["floods"] = [asdict(f) for f in floods]
    known, unknown = measure_reset_timing(rounds)
    print(f"\npassword-reset request, median of {rounds}: known e-mail {known:.1f} ms, unknown e-mail {unknown:.1f} ms")
    report.add(Figure("reset request, known e-mail", known, "ms", "unknown e-mail", unknown, higher_is_better=False))
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=32, help="sign-ups sent at once")
    parser.add_argument("--reset-rounds", type=int, default=40, help="reset requests per e-mail kind")
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    with bench_stack("password_hashing", args, services=("pg", "redis", "mongo"), writes=WRITES):
        result = main(args.flood, args.reset_rounds)
    result.write(args.json)
