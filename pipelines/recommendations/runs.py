"""Where a run keeps its artefacts, and the run's identity.

``<lake>/_runs/recommendations/run=<run_id>/`` holds what the steps hand to each other, so each step can
run in its own process (an Airflow task) and a failed run can be inspected afterwards:
``relevant/`` (the hold-out), ``holdout/`` (each method's top 10 for the evaluated customers),
``recommendations/`` (the feed candidate), ``models/<item_type>/`` (the fitted ALS pipelines),
``train.json`` and ``metrics.json``. Exports go to ``<lake>/exports/recommendations/run=<run_id>/``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipelines.io.lakefs import Location

RUNS = "_runs/recommendations"
EXPORTS = "exports/recommendations"
MODEL_PREFIX = "als-"


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique across concurrent runs: ``20250630T020000Z-1a2b3c``."""
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def model_version(run_id: str) -> str:
    return MODEL_PREFIX + run_id


@dataclass(frozen=True)
class RunFiles:
    lake: Location
    run_id: str

    @property
    def folder(self) -> str:
        return f"{RUNS}/run={self.run_id}"

    def spark_uri(self, name: str) -> str:
        return self.lake.spark_uri(self.folder, name)

    def path(self, name: str) -> str:
        return self.lake.path(self.folder, name)

    @property
    def exports(self) -> str:
        return f"{EXPORTS}/run={self.run_id}"

    def write_json(self, name: str, payload: dict[str, Any]) -> None:
        self.lake.fs.create_dir(self.lake.path(self.folder), recursive=True)
        with self.lake.fs.open_output_stream(self.path(name)) as out:
            out.write(json.dumps(payload, indent=2, sort_keys=True, default=str).encode())

    def read_json(self, name: str) -> dict[str, Any]:
        if not self.lake.exists(self.folder, name):
            raise FileNotFoundError(f"{self.path(name)} not found: did the previous step of run {self.run_id} run?")
        with self.lake.fs.open_input_stream(self.path(name)) as src:
            payload: dict[str, Any] = json.loads(src.read())
        return payload
