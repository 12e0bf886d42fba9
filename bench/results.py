"""Benchmark figures as data: each figure beside the baseline measured in the same run.

A benchmark prints its table for people and, with ``--json PATH``, writes the same figures for
`bench/suite.py`, which gathers every benchmark of a `make bench` run into one file.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure and the baseline it is compared with; ``ratio`` is value / baseline."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    higher_is_better: bool = True
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline or math.isnan(self.baseline) or math.isnan(self.value):
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass(slots=True)
class Report:
    """What one benchmark run measured, with the sizes it ran at."""

    benchmark: str
    sizes: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "sizes": self.sizes,
            "figures": [f.as_json() for f in self.figures],
            "notes": self.notes,
        }

    def write(self, path: Path | None) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(self.as_json()))


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")


def dumps(document: Any) -> str:
    """Strict JSON: NaN (nothing measured) becomes null, anything else unknown its string."""
    return json.dumps(_finite(document), indent=2, default=str, allow_nan=False) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
