"""The publish gate: a model that does not beat the baselines never reaches customers or marketers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pizza.contracts.recommendations import BASELINES

ALS = "als"
METHODS: tuple[str, ...] = (ALS, *BASELINES)


class ModelRejected(RuntimeError):
    """The trained model is not better than the best baseline; the previous feed stays published."""


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    margin: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(recall_at_10: dict[str, dict[str, float]], item_types: tuple[str, ...], margin: float) -> GateDecision:
    """Pass only if, for every item type, ALS recall@10 > best baseline recall@10 + ``margin``.

    ``recall_at_10``: item type -> method -> value. A type without figures fails: nothing was proven.
    """
    reasons: list[str] = []
    verdicts: list[bool] = []
    for item_type in item_types:
        figures = recall_at_10.get(item_type, {})
        missing = [m for m in METHODS if m not in figures]
        if missing:
            reasons.append(f"{item_type}: no hold-out figures for {', '.join(missing)} (no evaluable customers?)")
            verdicts.append(False)
            continue
        best = max(BASELINES, key=lambda m: figures[m])
        als, baseline = figures[ALS], figures[best]
        verdicts.append(als > baseline + margin)
        verb = "beats" if verdicts[-1] else "does not beat"
        reasons.append(f"{item_type}: ALS recall@10 {als:.4f} {verb} {best} {baseline:.4f} (margin {margin:.4f})")
    return GateDecision(passed=bool(verdicts) and all(verdicts), margin=margin, reasons=reasons)
