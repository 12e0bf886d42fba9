"""`pizza env-example`: `.env.example` written from the settings classes themselves, so it cannot drift.

Every component reads its configuration through one typed settings object with its own prefix; this
module lists them in the order a newcomer reads the platform (shared stores first, then each layer) and
renders each field as ``VARIABLE=default`` under its description. A field without a default is shown
commented out. A test compares the committed file with :func:`render`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from api.domain.delivery.settings import DeliverySettings
from api.domain.loyalty.settings import LoyaltySettings
from api.domain.notifications.settings import NotifySettings
from api.domain.orders.settings import OrderSettings
from api.domain.payments.settings import PaymentSettings
from api.domain.saga.settings import SagaSettings
from api.domain.support.settings import SupportSettings
from api.settings import ApiSettings
from dashboards.settings import DashboardSettings
from pipelines.marts import DbtSettings
from pipelines.recommendations.settings import RecommendationSettings
from pipelines.settings import AirflowSettings, PipelineSettings
from pizza.config import REPO_ROOT, PlatformSettings
from pizza.crypto.pseudonyms import PrivacySettings
from pizzactl.demo.settings import DemoSettings
from streaming.settings import CdcSettings, LakeSinkSettings

SETTINGS: tuple[tuple[type[BaseSettings], str], ...] = (
    (PlatformSettings, "shared stores: Postgres shards, Redis, Kafka, MongoDB, lake, archive, warehouse"),
    (ApiSettings, "the HTTP API: auth, rate limits, pools"),
    (OrderSettings, "carts and orders"),
    (PaymentSettings, "payments: gateways and fraud rules"),
    (NotifySettings, "notifications: channels and providers"),
    (DeliverySettings, "rider assignment and live tracking"),
    (LoyaltySettings, "loyalty points"),
    (SupportSettings, "customer support: SLA promised on new tickets"),
    (SagaSettings, "the order saga worker"),
    (CdcSettings, "the CDC relay: Postgres WAL to Kafka"),
    (LakeSinkSettings, "the lake sink: Kafka to Parquet"),
    (PrivacySettings, "personal data downstream of Postgres: pseudonym and master keys"),
    (PipelineSettings, "batch pipelines: Spark, windows, archival, warehouse loaders"),
    (AirflowSettings, "the local Airflow"),
    (RecommendationSettings, "recommendations: training, gate, feeds"),
    (DbtSettings, "dbt runs"),
    (DashboardSettings, "the analysts' dashboards"),
    (DemoSettings, "the demo's sizes and timeouts"),
)
HEADER = """\
# Every setting of the platform, with its default. Generated from the settings classes by
# `uv run pizza env-example --write`; a test fails when this file and the code disagree.
# Copy to `.env` (or export the variables) to change a value; every default is the local stack.
"""


def _value(field: FieldInfo) -> str | None:
    """The default as an environment value; None when the field has none to show."""
    default: Any = field.get_default(call_default_factory=True)
    if isinstance(default, SecretStr):
        default = default.get_secret_value()
    if default is None:
        return None
    if isinstance(default, Path):
        return _relative(default)
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (dict, list, tuple, set, frozenset)):
        return json.dumps(sorted(default) if isinstance(default, (set, frozenset)) else default)
    return str(default)


def _relative(path: Path) -> str:
    try:
        return "./" + str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def section(cls: type[BaseSettings], what: str) -> str:
    prefix = str(cls.model_config.get("env_prefix", "")).upper()
    title = f"# --- {prefix}* : {what} ({cls.__module__.replace('.', '/')}.py) "
    lines = [title + "-" * max(3, 110 - len(title))]
    for name, field in cls.model_fields.items():
        variable = prefix + name.upper()
        if field.description:
            lines.append(f"# {field.description}")
        value = _value(field)
        lines.append(f"{variable}={value}" if value is not None else f"# {variable}=")
    return "\n".join(lines)


def render() -> str:
    return HEADER + "\n" + "\n\n".join(section(cls, what) for cls, what in SETTINGS) + "\n"


def env_example(
    write: bool = typer.Option(False, "--write", help="write .env.example at the repository root"),
) -> None:
    """Print (or write) .env.example, generated from every component's settings class."""
    text = render()
    if write:
        (REPO_ROOT / ".env.example").write_text(text)
        typer.echo(f"wrote {REPO_ROOT / '.env.example'} ({text.count(chr(10))} lines)")
    else:
        typer.echo(text, nl=False)
