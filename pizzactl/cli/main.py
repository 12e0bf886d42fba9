"""`pizza`: one entry point for the platform. Each command group lives in its own module."""

from __future__ import annotations

import os

import typer

from pizza.config import PlatformSettings
from pizzactl.cli import airflow as airflow_cli
from pizzactl.cli import analytics, api, cdc, db, demo, doctor, env_example, lake, partitions, saga, stack
from pizzactl.cli import pipelines as pipelines_cli

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Pizza Platform command line.")


@app.callback()
def development_by_default() -> None:
    """`pizza` runs the local stack, so what it starts is in development mode unless an environment is named.

    A deployment names its own (``PIZZA_ENVIRONMENT=production``, in the environment or ``.env``) and then
    the API and the saga refuse the public default secrets (docs/security.md).
    """
    if "environment" not in PlatformSettings().model_fields_set:  # named neither in the environment nor .env
        os.environ["PIZZA_ENVIRONMENT"] = "local"


app.add_typer(stack.app, name="stack")
app.add_typer(db.app, name="db")
app.add_typer(partitions.app, name="partitions")
app.command("doctor")(doctor.doctor)
app.add_typer(api.app, name="api")
app.add_typer(cdc.app, name="cdc")
app.add_typer(lake.app, name="lake")
app.add_typer(saga.app, name="saga")
app.add_typer(analytics.app, name="dbt")
app.command("dashboards")(analytics.dashboards)
app.add_typer(airflow_cli.app, name="airflow")
app.add_typer(pipelines_cli.app, name="pipelines")
app.add_typer(demo.app, name="demo")
app.command("env-example")(env_example.env_example)

if __name__ == "__main__":
    app()
