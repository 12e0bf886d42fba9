"""Every benchmark at a modest size, one after another, into ONE result file (`make bench`).

    uv run python bench/suite.py [--only orders,cdc] [--port-base 23000]

Each benchmark runs as its own process on its own private stack (see bench/stack.py), so none of
them touches the platform in use, and one failing does not stop the others. The sizes below keep the
whole run under about ten minutes on a 2-core machine. The result, each figure beside its baseline
from the same run with the sizes, the machine and the git commit, goes to
``.pizza-bench/results/<UTC timestamp>.json`` and ``latest.json``, so runs can be compared over time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.results import dumps
from bench.stack import BENCH_ROOT, DEFAULT_PORT_BASE, REPO

RESULTS = BENCH_ROOT / "results"


@dataclass(frozen=True, slots=True)
class Run:
    """One benchmark of the suite and the sizes it runs at."""

    name: str
    args: tuple[str, ...]


SUITE = (
    Run("orders", ("--workers", "2", "--seconds", "5", "--concurrency", "1", "8", "32", "--customers", "8")),
    Run("cdc", ("--orders", "2000", "--rate", "100", "--seconds", "5")),
    Run("saga", ("--count", "300", "--concurrency", "4")),
    Run("payments_notifications", ("--count", "200", "--concurrency", "8")),
    Run("delivery_assignment", ("--riders", "1000", "--concurrency", "32")),
    Run("pipelines", ("--base", "100", "--sizes", "1,10", "--days", "3")),  # Spark's fixed cost dominates
    Run("dashboard_pages", ("--repeat", "3",)),
    Run("password_hashing", ("--flood", "32", "--reset-rounds", "40")),
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated benchmark names (default: all)")
    parser.add_argument(
        "--port-base", type=int, default=int(os.environ.get("PIZZA_BENCH_PORT_BASE", DEFAULT_PORT_BASE))
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of the result files")
    args = parser.parse_args()
    chosen = [r for r in SUITE if not args.only or r.name in args.only.split(",")]
    if not chosen:
        sys.exit(f"nothing to run; benchmarks: {', '.join(r.name for r in SUITE)}")

    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    work = args.results / stamp
    work.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "schema": 1,
        "started_at": started_at.isoformat(),
        "git": git_facts(),
        "machine": machine_facts(),
        "port_base": args.port_base,
        "benchmarks": [],
    }
    began = time.perf_counter()
    for n, run in enumerate(chosen, 1):
        print(f"\n=== [{n}/{len(chosen)}] bench/{run.name}.py {' '.join(run.args)}", flush=True)
        document["benchmarks"].append(run_one(run, work, args.port_base))
    document["finished_at"] = datetime.now(UTC).isoformat()
    document["duration_s"] = round(time.perf_counter() - began, 1)
    document["machine"]["load_average_after"] = os.getloadavg()[0]

    path = args.results / f"{stamp}.json"
    path.write_text(dumps(document))
    shutil.copyfile(path, args.results / "latest.json")
    summary(document)
    print(f"\nresults: {path.relative_to(REPO) if path.is_relative_to(REPO) else path} (and latest.json)")
    failed = [b["benchmark"] for b in document["benchmarks"] if b["exit_code"] != 0]
    if failed:
        sys.exit(f"failed: {', '.join(failed)} (their output is above)")


def run_one(run: Run, work: Path, port_base: int) -> dict[str, Any]:
    """Run one benchmark as its own process; its figures, or its exit code when it failed."""
    out = work / f"{run.name}.json"
    argv = [sys.executable, str(REPO / "bench" / f"{run.name}.py"), *run.args, "--json", str(out)]
    argv += ["--port-base", str(port_base)]
    env = {**os.environ, "PIZZA_LOG_LEVEL": os.environ.get("PIZZA_LOG_LEVEL", "WARNING")}
    started = time.perf_counter()
    code = subprocess.run(argv, cwd=REPO, env=env, check=False).returncode
    seconds = round(time.perf_counter() - started, 1)
    print(f"=== {run.name}: {'done' if code == 0 else f'FAILED (exit {code})'} in {seconds:.0f} s", flush=True)
    result: dict[str, Any] = {"benchmark": run.name, "sizes": {}, "figures": [], "notes": {}}
    if code == 0 and out.exists():
        result = json.loads(out.read_text())
    return {**result, "argv": list(run.args), "exit_code": code, "duration_s": seconds}


def summary(document: dict[str, Any]) -> None:
    print(f"\n{'benchmark':<23} {'figure':<44} {'value':>12} {'baseline':>12} {'ratio':>7}")
    for bench in document["benchmarks"]:
        for f in bench["figures"]:
            label = f["name"] + "".join(f" {k}={v}" for k, v in f["params"].items() if k in ("clients", "factor"))
            ratio = f"{f['ratio']:.2f}" if f["ratio"] is not None else "-"
            print(
                f"{bench['benchmark']:<23} {label[:44]:<44} {fmt(f['value'])} {fmt(f['baseline'])} {ratio:>7}"
                f"  {f['unit']}"
            )
    print(f"total {document['duration_s']:.0f} s")


def fmt(value: float | None) -> str:
    return f"{value:>12,.3g}" if value is not None else f"{'-':>12}"


def git_facts() -> dict[str, Any]:
    def git(*argv: str) -> str:
        result = subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True, check=False)
        return result.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def machine_facts() -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_total": _proc_field("/proc/meminfo", "MemTotal"),
        "load_average_before": os.getloadavg()[0],
    }


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


if __name__ == "__main__":
    main()
