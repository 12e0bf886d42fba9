"""Dashboard page times: every page rendered by Streamlit's AppTest over a marts snapshot, cold and cached.

    uv run python bench/dashboard_pages.py [--marts PATH] [--repeat 5] [--json PATH]

Without ``--marts`` it builds the synthetic demo warehouse of the tests (a few hundred orders over 60
days in six cities; one `dbt build`, ~15-60 s) into a temporary folder inside its own state folder
(``.pizza-bench/dashboard_pages/``; see bench/stack.py) and benchmarks its snapshot; ``--marts`` only
reads the snapshot named. It needs no servers and writes nothing to the platform in use.

Figures per page, next to a baseline measured in the same run and the same harness:
* baseline: a rerun of a script that only draws a title (the cost of a Streamlit run in AppTest);
* cold: the first render after the query cache was cleared (every query hits DuckDB);
* cached: the median of ``--repeat`` renders with the query cache warm (what an analyst sees when
  switching pages or moving back to a period already looked at).
The target is under a second per page on the demo data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder heads the import path and bench/pipelines.py would shadow the pipelines
# package that the warehouse build imports: keep the folder off the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from bench.results import Figure, Report, add_json_argument  # noqa: E402
from bench.stack import add_stack_arguments, bench_stack  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WRITES = "nothing on the stack: the demo warehouse is built in a temporary folder, --marts is only read"
VIEWS = ("overview", "orders_map", "demand", "delivery_sla", "cohorts", "restaurants", "marketing")


def _demo_snapshot(folder: Path) -> Path:
    sys.path.insert(0, str(REPO / "tests" / "integration" / "dbt_project"))
    from warehouse_fixture import built_warehouse

    return built_warehouse(folder / "demo").snapshot  # type: ignore[no-any-return]


def _render(app_path: Path, page: str, *, cold: bool) -> float:
    """Time one run of ``page`` (reached by switching from the landing page, as a user would)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(app_path), default_timeout=120)
    app.run()
    if cold:
        st.cache_data.clear()
    started = time.perf_counter()
    app.switch_page(f"views/{page}.py").run()
    elapsed = time.perf_counter() - started
    assert not app.exception, app.exception
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--marts", type=Path, help="marts snapshot (default: build the demo warehouse)")
    parser.add_argument("--repeat", type=int, default=5)
    add_stack_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    report = Report("dashboard_pages", {"repeat": args.repeat, "marts": str(args.marts or "synthetic demo warehouse")})
    with bench_stack("dashboard_pages", args, services=(), writes=WRITES) as platform:
        platform.state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=platform.state_dir) as scratch:
            measure(args.marts or _demo_snapshot(Path(scratch)), Path(scratch), args.repeat, report)
    report.write(args.json)


def measure(marts: Path, scratch: Path, repeat: int, report: Report) -> None:
    os.environ["PIZZA_DASHBOARDS_MARTS_PATH"] = str(marts)
    from dashboards.settings import get_dashboard_settings

    get_dashboard_settings.cache_clear()
    baseline_app = scratch / "baseline.py"
    baseline_app.write_text("import streamlit as st\nst.title('baseline')\n")

    from streamlit.testing.v1 import AppTest

    AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=120).run()  # imports, warm-up
    baseline = statistics.median(_baseline(baseline_app) for _ in range(repeat))
    print(f"marts snapshot: {marts}")
    print(f"{'page':<14}{'cold s':>10}{'cached s':>10}{'baseline s':>12}")
    app = REPO / "dashboards" / "app.py"
    for page in VIEWS:
        cold = _render(app, page, cold=True)
        cached = statistics.median(_render(app, page, cold=False) for _ in range(repeat))
        print(f"{page:<14}{cold:>10.3f}{cached:>10.3f}{baseline:>12.3f}", flush=True)
        for label, value in (("cold", cold), ("cached", cached)):
            report.add(Figure(f"{page} page, {label}", value, "s", "title-only rerun", baseline,
                              higher_is_better=False, params={"page": page}))  # fmt: skip


def _baseline(path: Path) -> float:
    """A rerun of a title-only script, timed like the pages (the script is loaded before the clock starts)."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(path), default_timeout=60)
    app.run()
    started = time.perf_counter()
    app.run()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
