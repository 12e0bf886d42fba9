"""`pizza`: one entry point for the platform. Each command group lives in its own module."""

from __future__ import annotations

import typer

from pizza.cli import analytics, api, db, doctor, stack

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Pizza Platform command line.")
app.add_typer(stack.app, name="stack")
app.add_typer(db.app, name="db")
app.command("doctor")(doctor.doctor)
app.add_typer(api.app, name="api")
app.add_typer(analytics.app, name="dbt")
app.command("dashboards")(analytics.dashboards)

if __name__ == "__main__":
    app()
