"""`pizza airflow up | down | status`: local Airflow 3 on our dags/ folder, metadata under the state folder.

Each component (api-server, scheduler, dag-processor, triggerer) runs in its own session, its pid kept in
``<state>/airflow/<component>.pid``, so ``down`` stops exactly what ``up`` started. The UI is at
``http://127.0.0.1:<PIZZA_AIRFLOW_PORT>`` (user ``admin``; password in ``<state>/airflow/passwords.json``).
Metadata lives in the ``pizza_airflow`` database of the stack's own Postgres cluster (created on first
start); SQLite only when ``PIZZA_AIRFLOW_DATABASE_URL`` says so.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import typer
from rich.console import Console
from rich.table import Table

from pipelines.settings import AirflowSettings, get_airflow_settings
from pizza.config import REPO_ROOT, PlatformSettings, get_platform_settings
from pizza.db.migrate import ensure_database
from pizza.logs import get_logger
from pizzactl.stack.process import is_alive, read_pid, spawn, terminate

app = typer.Typer(no_args_is_help=True, help="Local Airflow (api-server, scheduler, dag-processor, triggerer).")
console = Console()
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
METADATA_DATABASE = "pizza_airflow"
log = get_logger(__name__)


def airflow_home(platform: PlatformSettings) -> Path:
    return platform.state_dir / "airflow"


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def metadata_url(platform: PlatformSettings, settings: AirflowSettings) -> str:
    """The SQLAlchemy URL of the metadata DB: ``PIZZA_AIRFLOW_DATABASE_URL``, else the stack's own Postgres."""
    if settings.database_url:
        return settings.database_url
    dsn = platform.local_dsn(METADATA_DATABASE)
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def ensure_metadata_db(platform: PlatformSettings, settings: AirflowSettings) -> None:
    """Create the default metadata database if missing (idempotent; a database the user names must exist)."""
    if settings.database_url:
        if settings.database_url.startswith("sqlite:///"):
            Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return
    try:
        created = ensure_database(platform.local_dsn(METADATA_DATABASE))
    except psycopg.errors.DuplicateDatabase:  # another `up` created it between our check and CREATE
        created = False
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"Airflow's metadata DB lives on the stack's Postgres ({platform.pg_host}:{platform.pg_port}), "
            "which does not answer: run `pizza stack up` first, or set PIZZA_AIRFLOW_DATABASE_URL"
        ) from exc
    log.info("airflow.metadata_db", database=METADATA_DATABASE, created=created)


def _secrets(home: Path, settings: AirflowSettings) -> dict[str, str]:
    """Generated once and kept: every component must share the JWT secret, and the admin its password."""
    path = home / "secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
    else:
        stored = {"jwt_secret": secrets.token_urlsafe(32), "secret_key": secrets.token_urlsafe(32)}
    stored["admin_password"] = (
        settings.admin_password.get_secret_value()
        if settings.admin_password
        else stored.get("admin_password", secrets.token_urlsafe(12))
    )
    home.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored))
    path.chmod(0o600)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({settings.admin_user: stored["admin_password"]}))
    passwords.chmod(0o600)
    return stored


def airflow_env(platform: PlatformSettings, settings: AirflowSettings) -> dict[str, str]:
    home = airflow_home(platform)
    keys = _secrets(home, settings)
    base_url = f"http://{settings.host}:{settings.port}"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": settings.executor,
        "AIRFLOW__CORE__PARALLELISM": str(settings.parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": str(settings.dags_paused_at_creation),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{settings.admin_user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(platform, settings),
        "AIRFLOW__API__HOST": settings.host,
        "AIRFLOW__API__PORT": str(settings.port),
        "AIRFLOW__API__BASE_URL": base_url,
        "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def health(settings: AirflowSettings) -> dict[str, object] | None:
    try:
        response = httpx.get(f"http://{settings.host}:{settings.port}/api/v2/monitor/health", timeout=2)
        return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]
    except (httpx.HTTPError, ValueError):
        return None


def start(platform: PlatformSettings, settings: AirflowSettings, timeout: float = 180) -> dict[str, int]:
    """Create and migrate the metadata DB, start every component not running, wait until the API answers."""
    home = airflow_home(platform)
    env = airflow_env(platform, settings)
    ensure_metadata_db(platform, settings)
    migrate = subprocess.run(
        [airflow_bin(), "db", "migrate"], env={**os.environ, **env}, capture_output=True, text=True
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed ({migrate.returncode}):\n{migrate.stderr[-2000:]}")
    pids: dict[str, int] = {}
    for component in COMPONENTS:
        pid_file = home / f"{component}.pid"
        pid = read_pid(pid_file)
        if is_alive(pid, expect="airflow"):
            pids[component] = pid  # type: ignore[assignment]
            continue
        pids[component] = spawn(
            [airflow_bin(), component], log_file=home / "logs" / f"{component}.log", pid_file=pid_file, env=env
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(settings):
            return pids
        time.sleep(1)
    raise TimeoutError(f"Airflow not healthy after {timeout:.0f}s; see {home / 'logs'}")


def stop(platform: PlatformSettings) -> dict[str, bool]:
    home = airflow_home(platform)
    stopped = {}
    for component in reversed(COMPONENTS):
        pid_file = home / f"{component}.pid"
        pid = read_pid(pid_file)
        alive = is_alive(pid, expect="airflow")
        if alive and pid:
            terminate(pid)
        pid_file.unlink(missing_ok=True)
        stopped[component] = alive
    return stopped


class AirflowApi:
    """The few REST calls a script needs: token, trigger, wait (Airflow's public API v2)."""

    def __init__(self, platform: PlatformSettings, settings: AirflowSettings) -> None:
        base = f"http://{settings.host}:{settings.port}"
        password = json.loads((airflow_home(platform) / "passwords.json").read_text())[settings.admin_user]
        token = httpx.post(f"{base}/auth/token", json={"username": settings.admin_user, "password": password})
        token.raise_for_status()
        self.http = httpx.Client(
            base_url=f"{base}/api/v2", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=30
        )

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> bool:
        """True once the dag-processor has parsed ``dag_id`` (False if it never shows up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.http.get(f"/dags/{dag_id}").status_code == 200:
                self.http.patch(f"/dags/{dag_id}", json={"is_paused": False})
                return True
            time.sleep(2)
        return False

    def trigger(self, dag_id: str) -> str:
        response = self.http.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None})
        response.raise_for_status()
        return str(response.json()["dag_run_id"])

    def latest_run(self, dag_id: str) -> dict[str, object] | None:
        runs = self.http.get(f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after", "limit": 1}).json()
        return runs["dag_runs"][0] if runs.get("dag_runs") else None

    def active_run(self, dag_id: str) -> dict[str, object] | None:
        """A queued or running run of ``dag_id``: unpausing an hourly DAG starts its latest interval at once."""
        params: dict[str, str | int | list[str]] = {
            "state": ["queued", "running"],
            "order_by": "-run_after",
            "limit": 1,
        }
        runs = self.http.get(f"/dags/{dag_id}/dagRuns", params=params).json()
        return runs["dag_runs"][0] if runs.get("dag_runs") else None

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        response = self.http.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        return str(response.json().get("state")) if response.status_code == 200 else None

    def wait_run(self, dag_id: str, run_id: str, timeout: float = 1800) -> str:
        """State of the run ``run_id`` once it has finished ("timeout" if it has not in time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = str(self.http.get(f"/dags/{dag_id}/dagRuns/{run_id}").json().get("state"))
            if state in ("success", "failed"):
                return state
            time.sleep(3)
        return "timeout"

    def wait_runs_since(self, dag_id: str, since: str, timeout: float = 1800) -> list[tuple[str, str]]:
        """(run id, final state) of every run of ``dag_id`` queued at or after ``since`` (ISO time), once all
        have finished; a run that has not finished in time is reported as "timeout"."""
        deadline = time.monotonic() + timeout
        while True:
            params: dict[str, str | int] = {"order_by": "-run_after", "limit": 25}
            listed = self.http.get(f"/dags/{dag_id}/dagRuns", params=params).json().get("dag_runs", [])
            runs = [r for r in listed if str(r.get("queued_at") or "")[:19] >= since]
            if runs and all(r.get("state") in ("success", "failed") for r in runs):
                return [(str(r["dag_run_id"]), str(r["state"])) for r in runs]
            if time.monotonic() >= deadline:
                return [(str(r["dag_run_id"]), str(r.get("state"))) for r in runs] or [("", "timeout")]
            time.sleep(3)

    def wait(self, dag_id: str, after: str, timeout: float = 1800) -> str:
        """State of the first run of ``dag_id`` queued after ``after`` (ISO time) once it has finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.latest_run(dag_id)
            if run and str(run.get("run_after", "")) >= after and run.get("state") in ("success", "failed"):
                return str(run["state"])
            time.sleep(3)
        return "timeout"


BATCH_CHAIN = ("cdc_lake_compaction", "warehouse_load", "marts_build")
# Tasks whose failure is a verdict on the data, not a fault: the demo reports it and goes on.
VERDICT_TASKS = {"recommendations_refresh": "gate"}


def run_demo_dags(
    out: Console = console,
    extra: tuple[str, ...] = ("recommendations_refresh",),
    *,
    platform: PlatformSettings | None = None,
    settings: AirflowSettings | None = None,
    timeout: float = 1800,
) -> dict[str, str]:
    """Start Airflow, run compaction once and wait for the asset-triggered load and dbt runs, then ``extra``.

    ``timeout`` bounds each DAG run; a run that does not end ``success`` raises with its state.
    """
    platform, settings = platform or get_platform_settings(), settings or get_airflow_settings()
    start(platform, settings)
    api = AirflowApi(platform, settings)
    for dag_id in BATCH_CHAIN:
        if not api.wait_for_dag(dag_id):
            raise RuntimeError(f"Airflow never parsed {dag_id}: see {airflow_home(platform) / 'logs'}")
    states: dict[str, str] = {}
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    first = BATCH_CHAIN[0]
    active = api.active_run(first)
    if active:  # a second run queued behind it would find nothing new: follow the one under way
        since = min(since, str(active.get("queued_at") or active.get("start_date") or since)[:19])
        out.print(f"following {first} run {active['dag_run_id']}, already under way")
    else:
        api.trigger(first)
        out.print(f"triggered {first}")
    out.print(f"{' -> '.join(BATCH_CHAIN[1:])} follow on its assets")
    # Unpausing an hourly DAG makes the scheduler queue its latest interval too, possibly just after the
    # check above. Every compaction run queued since is waited for: whichever of them compacted the new
    # raw files is the one whose facts set off the rest of the chain.
    runs = api.wait_runs_since(first, since, timeout=timeout)
    failed = [state for _run, state in runs if state != "success"]
    states[first] = failed[0] if failed else "success"
    out.print(f"{first}: {states[first]}")
    if failed or not runs:
        raise RuntimeError(f"{first} ended {states[first] if runs else 'without a run'}; see the Airflow UI")
    if all(api.task_state(first, run_id, "build_daily_facts") == "skipped" for run_id, _state in runs):
        # no lake_facts event, so nothing follows: an earlier run already compacted every raw file
        out.print("no new raw files since the last compaction: the warehouse is current")
        states.update(dict.fromkeys(BATCH_CHAIN[1:], "current"))
    else:
        for dag_id in BATCH_CHAIN[1:]:
            states[dag_id] = api.wait(dag_id, since, timeout=timeout)
            out.print(f"{dag_id}: {states[dag_id]}")
            if states[dag_id] != "success":
                raise RuntimeError(f"{dag_id} ended {states[dag_id]}; see the Airflow UI")
    for dag_id in extra:
        if api.wait_for_dag(dag_id, timeout=30):
            run_id = api.trigger(dag_id)
            states[dag_id] = api.wait_run(dag_id, run_id, timeout=timeout)
            verdict = VERDICT_TASKS.get(dag_id)
            if states[dag_id] == "failed" and verdict and api.task_state(dag_id, run_id, verdict) == "failed":
                # A verdict on the model, not an outage: the feed already published stays live.
                states[dag_id] = "rejected"
                out.print(f"{dag_id}: model not published: its {verdict} task kept the current feed (see its log)")
                continue
            out.print(f"{dag_id}: {states[dag_id]}")
            if states[dag_id] != "success":
                raise RuntimeError(f"{dag_id} ended {states[dag_id]}; see the Airflow UI")
    return states


@app.command()
def up() -> None:
    """Start Airflow (idempotent); prints the UI address and where the admin password is."""
    platform, settings = get_platform_settings(), get_airflow_settings()
    try:
        pids = start(platform, settings)
    except (TimeoutError, RuntimeError) as exc:
        console.print(f"[red]airflow up failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    for component, pid in pids.items():
        console.print(f"{component}: pid {pid}")
    console.print(
        f"UI: http://{settings.host}:{settings.port}  user {settings.admin_user}, "
        f"password in {airflow_home(platform) / 'passwords.json'}"
    )


@app.command()
def down() -> None:
    """Stop every Airflow component started by `up` (by pid)."""
    for component, was_running in stop(get_platform_settings()).items():
        console.print(f"{component}: {'stopped' if was_running else 'not running'}")


@app.command()
def run() -> None:
    """Trigger the batch chain once (compaction -> load -> dbt) on the running Airflow and wait for it."""
    try:
        run_demo_dags(console)
    except (RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def status() -> None:
    """Components, their pids, and the API's health report."""
    platform, settings = get_platform_settings(), get_airflow_settings()
    table = Table("component", "pid", "running")
    for component in COMPONENTS:
        pid = read_pid(airflow_home(platform) / f"{component}.pid")
        table.add_row(component, str(pid or "-"), "yes" if is_alive(pid, expect="airflow") else "no")
    console.print(table)
    report = health(settings)
    console.print(json.dumps(report, indent=1) if report else "[yellow]API not answering[/yellow]")
