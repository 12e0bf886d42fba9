"""The batch-chain helpers of ``tests/dags`` (``batch_support``), importable here too: one definition."""

from __future__ import annotations

import sys
from pathlib import Path

_DAG_TESTS = str(Path(__file__).resolve().parents[2] / "dags")
if _DAG_TESTS not in sys.path:
    sys.path.append(_DAG_TESTS)
