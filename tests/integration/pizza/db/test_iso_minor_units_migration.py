"""The data migration to ISO minor units on a real shard and the catalog: rows stored as hundredths of
every currency become yen, fils or stay cents. Run again inside a transaction that is rolled back, so
the rows it converts are only this test's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pizza.config import PlatformSettings
from pizza.db.migrate import MIGRATIONS

pytestmark = pytest.mark.integration

SHARD_MIGRATION = (MIGRATIONS / "shard" / "0190_iso_minor_units.sql").read_text()
CATALOG_MIGRATION = (MIGRATIONS / "catalog" / "0090_iso_minor_units.sql").read_text()
NOW = datetime.now(UTC)


class Rollback(Exception):
    pass


def _order(conn: psycopg.Connection, user_id: uuid.UUID, currency: str, unit: int, fee: int) -> uuid.UUID:
    """An order as an earlier run stored it: two of one item at ``unit`` hundredths, plus the fee."""
    order_id = uuid.uuid4()
    subtotal = 2 * unit
    conn.execute(
        """INSERT INTO orders (order_id, user_id, restaurant_id, status, currency, subtotal_cents, discount_cents,
               delivery_fee_cents, total_cents, city, delivery_address, created_at)
           VALUES (%s, %s, %s, 'PAID', %s, %s, 0, %s, %s, 'Somewhere', %s, %s)""",
        (order_id, user_id, uuid.uuid4(), currency, subtotal, fee, subtotal + fee, Jsonb({}), NOW),
    )
    conn.execute(
        """INSERT INTO order_items (order_id, line_no, order_created_at, menu_item_id, name, quantity,
               unit_price_cents, line_total_cents) VALUES (%s, 1, %s, 'margherita', 'Margherita', 2, %s, %s)""",
        (order_id, NOW, unit, subtotal),
    )
    conn.execute(
        """INSERT INTO payments (payment_id, order_id, user_id, amount_cents, currency, status, provider)
           VALUES (%s, %s, %s, %s, %s, 'SUCCEEDED', 'simulated')""",
        (uuid.uuid4(), order_id, user_id, subtotal + fee, currency),
    )
    return order_id


def _amounts(conn: psycopg.Connection, order_id: uuid.UUID) -> tuple[int, ...]:
    row = conn.execute(
        """SELECT o.subtotal_cents, o.delivery_fee_cents, o.total_cents, i.unit_price_cents, i.line_total_cents,
                  p.amount_cents
             FROM orders o JOIN order_items i ON i.order_id = o.order_id JOIN payments p ON p.order_id = o.order_id
            WHERE o.order_id = %s""",
        (order_id,),
    ).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def test_old_hundredths_become_each_currencys_iso_minor_units_on_a_shard(stack: PlatformSettings) -> None:
    with psycopg.connect(stack.shards["shard_0"]) as conn:
        try:
            with conn.transaction():
                user_id = uuid.uuid4()
                conn.execute(
                    "INSERT INTO users (user_id, email, name, password_hash) VALUES (%s, %s, 'Old', 'x')",
                    (user_id, f"{user_id}@old.test"),
                )
                yen = _order(conn, user_id, "JPY", 180_000, 52_400)  # ¥1,800 pizzas, ¥524 fee, as hundredths
                dinar = _order(conn, user_id, "BHD", 450, 131)  # BHD 4.50 and 1.31, as hundredths
                euro = _order(conn, user_id, "EUR", 1_250, 321)
                conn.execute(SHARD_MIGRATION)
                assert _amounts(conn, yen) == (3_600, 524, 4_124, 1_800, 3_600, 4_124)
                assert _amounts(conn, dinar) == (9_000, 1_310, 10_310, 4_500, 9_000, 10_310)
                assert _amounts(conn, euro) == (2_500, 321, 2_821, 1_250, 2_500, 2_821)
                raise Rollback
        except Rollback:
            pass


def test_the_catalogs_copies_and_coupons_in_a_currency_are_converted(stack: PlatformSettings) -> None:
    with psycopg.connect(stack.catalog) as conn:
        try:
            with conn.transaction():
                codes = {c: f"OLD{c}{uuid.uuid4().hex[:6]}".upper() for c in ("JPY", "BHD", "ANY")}
                conn.execute(
                    """INSERT INTO coupons (code, kind, value, currency, min_subtotal_cents)
                       VALUES (%s, 'fixed', 50000, 'JPY', 200000), (%s, 'fixed', 150, 'BHD', 1000),
                              (%s, 'percentage', 10, NULL, 2500)""",
                    (codes["JPY"], codes["BHD"], codes["ANY"]),
                )
                conn.execute(CATALOG_MIGRATION)
                found = conn.execute(
                    "SELECT code, value, min_subtotal_cents FROM coupons WHERE code = ANY (%s)",
                    (list(codes.values()),),
                ).fetchall()
                rows = {code: (int(value), int(minimum)) for code, value, minimum in found}
                assert rows[codes["JPY"]] == (500, 2000)  # ¥500 off from ¥2,000
                assert rows[codes["BHD"]] == (1500, 10000)  # BHD 1.500 off from BHD 10.000
                assert rows[codes["ANY"]] == (10, 2500)  # percent, and a minimum set in US-dollar cents
                raise Rollback
        except Rollback:
            pass
