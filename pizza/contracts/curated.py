"""Curated tables and facts (v1): the typed schema Spark writes, the warehouse loads and dbt reads.

Curated table = the Postgres table's current state per primary key, typed:

* uuid -> ``string``; text/char -> ``string``; timestamptz -> ``timestamp`` (UTC, microseconds);
  jsonb -> ``json`` (JSON text in a string column); bigint/integer/double/boolean as is;
  numeric -> ``double``.
* ``password_hash`` is dropped (the relay already withholds it, ``pizza.contracts.privacy``). Contact
  columns arrive sealed (the relay encrypts them under their owner's data key) and are not curated: the
  curated layer keeps only the keyed pseudonyms ``email_hmac``/``phone_hmac`` the relay adds beside them
  (hex HMAC-SHA256 under ``PIZZA_PRIVACY_PSEUDONYM_KEY`` of the lower-cased, trimmed e-mail / of the phone
  text as stored, ``pizza.crypto.pseudonyms``): a join key for analytics that nobody without the key can
  reverse. Raw changes written before the relay sealed (plaintext ``email``/``phone``, no pseudonym) get
  the pseudonym computed by compaction instead.
* plus lineage: ``_shard`` (source shard, ``catalog`` for catalog tables), ``_lsn`` (WAL position of the
  change that produced the row), ``_commit_ts`` (its commit time).
* plus the partition column ``date`` (the business date: UTC date of ``date_column``, which never changes
  for a row, so a row never moves between partitions).

Facts are partitioned by ``date`` (the order's UTC date) and ``city``.

Lake layout: ``curated/<table>/date=YYYY-MM-DD/`` and ``facts/<fact>/date=YYYY-MM-DD/city=<city>/``
(see ``pizza.contracts.lake``). The warehouse holds schema ``lake`` with one table per name below and
exactly these columns (partition columns included). Changing a column bumps ``CURATED_SCHEMA_VERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

CURATED_SCHEMA_VERSION = 4
# v4: contact columns leave Postgres sealed, so no curated table keeps them: users.name,
# orders.delivery_address, user_addresses.line1 and postcode are gone (the city, coordinates and the
# pseudonyms stay); a curated table of v3 is rebuilt by a backfill so the plaintext is gone from the lake.
# v3: users.email_sha256, phone_sha256 (unsalted, so brute-forceable) became the keyed pseudonyms
# email_hmac, phone_hmac; a curated users table of v2 is rebuilt by a backfill.
# v2 (additive): orders.estimated_ready_at; payments.fraud_score, fraud_reasons, review_decision, reviewed_at,
# refunded_at; restaurants.rating_sum. Columns the source lacks in older changes are null.

ColumnType = Literal["string", "json", "bigint", "int", "double", "boolean", "timestamp", "date"]
Columns = dict[str, ColumnType]

PARTITION_DATE = "date"
LINEAGE: Columns = {"_shard": "string", "_lsn": "bigint", "_commit_ts": "timestamp"}

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    "string": pa.string(),
    "json": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

DUCKDB_TYPES: dict[ColumnType, str] = {
    "string": "VARCHAR",
    "json": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "date": "DATE",
}


@dataclass(frozen=True)
class CuratedTable:
    """One business table as it appears in the lake and the warehouse."""

    name: str
    source: Literal["shard", "catalog"]
    primary_key: tuple[str, ...]
    date_column: str  # the business date: a column that never changes for a row
    business_columns: Columns
    dropped: tuple[str, ...] = ()  # source columns never copied (secrets)
    # source column -> curated keyed-HMAC column: taken from the change (the relay adds it), or computed from
    # the source column by compaction for raw changes older than the relay's sealing
    pseudonymised: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> Columns:
        """Every column of the curated table, in order: business, lineage, partition."""
        return {**self.business_columns, **LINEAGE, PARTITION_DATE: "date"}

    def arrow_schema(self) -> pa.Schema:
        return arrow_schema(self.columns)


@dataclass(frozen=True)
class FactTable:
    name: str
    key: tuple[str, ...]
    business_columns: Columns
    partition_by: tuple[str, ...] = (PARTITION_DATE, "city")

    @property
    def columns(self) -> Columns:
        cols: Columns = dict(self.business_columns)
        cols[PARTITION_DATE] = "date"
        cols.setdefault("city", "string")
        return cols

    def arrow_schema(self) -> pa.Schema:
        return arrow_schema(self.columns)


def columns(spec: str) -> Columns:
    """Columns written as ``"name type, name type, ..."``: a table reads as its DDL, one glance wide."""
    parsed: Columns = {}
    for entry in spec.split(","):
        name, kind = entry.split()
        if kind not in ARROW_TYPES:
            raise ValueError(f"column {name}: unknown type {kind!r}")
        if name in parsed:
            raise ValueError(f"column {name} is declared twice")
        parsed[name] = kind  # type: ignore[assignment]  # checked against ColumnType just above
    return parsed


def arrow_schema(columns: Columns) -> pa.Schema:
    return pa.schema([pa.field(name, ARROW_TYPES[kind]) for name, kind in columns.items()])


# --- curated tables ----------------------------------------------------------------------------------

ORDERS = CuratedTable(
    name="orders",
    source="shard",
    primary_key=("order_id", "created_at"),
    date_column="created_at",
    business_columns=columns(
        "order_id string, user_id string, restaurant_id string, status string, currency string, "
        "subtotal_cents bigint, discount_cents bigint, delivery_fee_cents bigint, total_cents bigint, "
        "coupon_code string, city string, delivery_lat double, delivery_lon double, "
        "idempotency_key string, request_hash string, created_at timestamp, updated_at timestamp, "
        "estimated_ready_at timestamp"
    ),
)

ORDER_ITEMS = CuratedTable(
    name="order_items",
    source="shard",
    primary_key=("order_id", "line_no", "order_created_at"),
    date_column="order_created_at",
    business_columns=columns(
        "order_id string, line_no int, order_created_at timestamp, menu_item_id string, name string, "
        "size string, toppings json, quantity int, unit_price_cents bigint, line_total_cents bigint"
    ),
)

ORDER_STATUS_HISTORY = CuratedTable(
    name="order_status_history",
    source="shard",
    primary_key=("order_id", "seq"),
    date_column="changed_at",
    business_columns=columns(
        "order_id string, seq int, from_status string, to_status string, reason string, changed_by string, "
        "changed_at timestamp"
    ),
)

PAYMENTS = CuratedTable(
    name="payments",
    source="shard",
    primary_key=("payment_id",),
    date_column="created_at",
    business_columns=columns(
        "payment_id string, order_id string, user_id string, amount_cents bigint, currency string, "
        "status string, provider string, provider_ref string, method string, failure_reason string, "
        "created_at timestamp, updated_at timestamp, fraud_score int, fraud_reasons json, "
        "review_decision string, reviewed_at timestamp, refunded_at timestamp"
    ),
)

USERS = CuratedTable(
    name="users",
    source="shard",
    primary_key=("user_id",),
    date_column="created_at",
    business_columns=columns(
        "user_id string, email_hmac string, phone_hmac string, role string, "
        "restaurant_id string, city string, loyalty_points int, created_at timestamp, updated_at timestamp"
    ),
    dropped=("password_hash",),
    pseudonymised={"email": "email_hmac", "phone": "phone_hmac"},
)

USER_ADDRESSES = CuratedTable(
    name="user_addresses",
    source="shard",
    primary_key=("address_id",),
    date_column="created_at",
    business_columns=columns(
        "address_id string, user_id string, label string, city string, country string, lat double, lon double, "
        "is_default boolean, created_at timestamp"
    ),
)

RESTAURANTS = CuratedTable(
    name="restaurants",
    source="catalog",
    primary_key=("restaurant_id",),
    date_column="created_at",
    business_columns=columns(
        "restaurant_id string, name string, city string, country string, timezone string, currency string, "
        "cuisine string, address string, lat double, lon double, opening_hours json, rating_avg double, "
        "rating_count int, rating_sum bigint, is_active boolean, created_at timestamp, updated_at timestamp"
    ),
)

COUPONS = CuratedTable(
    name="coupons",
    source="catalog",
    primary_key=("code",),
    date_column="created_at",
    business_columns=columns(
        "code string, kind string, value bigint, currency string, city string, first_order_only boolean, "
        "min_subtotal_cents bigint, max_uses int, uses int, valid_from timestamp, valid_until timestamp, "
        "created_at timestamp"
    ),
)

CURATED_TABLES: dict[str, CuratedTable] = {
    t.name: t
    for t in (ORDERS, ORDER_ITEMS, ORDER_STATUS_HISTORY, PAYMENTS, USERS, USER_ADDRESSES, RESTAURANTS, COUPONS)
}

# --- facts -------------------------------------------------------------------------------------------

FACT_ORDERS = FactTable(
    name="fact_orders",
    key=("order_id",),
    # item_count: sum of quantities
    # placed_at: orders.created_at
    # paid_at: first transition to each status, from order_status_history
    business_columns=columns(
        "order_id string, user_id string, restaurant_id string, city string, currency string, "
        "subtotal_cents bigint, discount_cents bigint, delivery_fee_cents bigint, total_cents bigint, "
        "coupon_code string, final_status string, item_count bigint, line_count bigint, placed_at timestamp, "
        "paid_at timestamp, accepted_at timestamp, ready_at timestamp, picked_up_at timestamp, "
        "delivered_at timestamp, cancelled_at timestamp, placed_to_paid_minutes double, "
        "paid_to_ready_minutes double, ready_to_picked_up_minutes double, "
        "picked_up_to_delivered_minutes double, placed_to_delivered_minutes double, order_date date, "
        "_shard string"
    ),
)

FACT_PAYMENTS = FactTable(
    name="fact_payments",
    key=("payment_id",),
    # city: the order's city; "unknown" if the order is not in the lake
    business_columns=columns(
        "payment_id string, order_id string, user_id string, city string, currency string, "
        "amount_cents bigint, status string, provider string, method string, failure_reason string, "
        "is_succeeded boolean, created_at timestamp, updated_at timestamp, order_placed_at timestamp, "
        "placed_to_payment_minutes double, payment_date date, _shard string"
    ),
)

FACT_DELIVERIES = FactTable(
    name="fact_deliveries",
    key=("order_id",),
    business_columns=columns(
        "order_id string, user_id string, restaurant_id string, city string, final_status string, "
        "is_delivered boolean, placed_at timestamp, ready_at timestamp, picked_up_at timestamp, "
        "delivered_at timestamp, ready_to_picked_up_minutes double, picked_up_to_delivered_minutes double, "
        "placed_to_delivered_minutes double, order_date date, _shard string"
    ),
)

# Facts partition by the ORDER's date (``date`` = ``order_date``; for a payment whose order is not in the
# lake, the payment's date), so rebuilding a range of order dates rebuilds every fact that depends on them.
FACT_TABLES: dict[str, FactTable] = {t.name: t for t in (FACT_ORDERS, FACT_PAYMENTS, FACT_DELIVERIES)}

WAREHOUSE_SCHEMA = "lake"
