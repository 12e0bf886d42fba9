from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Health:
    status: str


@dataclass
class Readiness:
    status: str
    checks: dict[str, str] = field(default_factory=dict)
