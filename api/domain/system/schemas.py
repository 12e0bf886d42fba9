from __future__ import annotations

from dataclasses import dataclass

from msgspec import Struct


@dataclass
class Health:
    status: str


class Readiness(Struct, omit_defaults=True):
    status: str
    checks: dict[str, str] | None = None  # per store; only for ops callers (see access); omitted otherwise
