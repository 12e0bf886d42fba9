"""`pizza fx-seed`: the warehouse's FX seed rendered from ``pizza.money.REFERENCE_RATES``, so the two cannot drift."""

from __future__ import annotations

import typer

from pizza.config import REPO_ROOT
from pizza.money import fx_rates_seed

SEED_PATH = REPO_ROOT / "dbt" / "seeds" / "fx_rates.csv"


def fx_seed(
    write: bool = typer.Option(False, "--write", help="write dbt/seeds/fx_rates.csv"),
) -> None:
    """Print (or write) dbt/seeds/fx_rates.csv: US dollars per unit and ISO 4217 exponent of every currency."""
    text = fx_rates_seed()
    if write:
        SEED_PATH.write_text(text)
        typer.echo(f"wrote {SEED_PATH} ({text.count(chr(10)) - 1} currencies)")
    else:
        typer.echo(text, nl=False)
