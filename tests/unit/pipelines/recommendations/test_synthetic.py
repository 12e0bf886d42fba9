from collections import Counter, defaultdict

import pyarrow as pa
import pytest

from pipelines.synthetic.curated import CuratedSpec, generate, summarize
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, RESTAURANTS

pytestmark = pytest.mark.unit

SPEC = CuratedSpec(customers=60, cities=2, restaurants_per_city=4, days=30, seed=3)


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate(SPEC)


def test_tables_follow_the_curated_contract(tables: dict[str, pa.Table]) -> None:
    assert tables["orders"].schema == ORDERS.arrow_schema()
    assert tables["order_items"].schema == ORDER_ITEMS.arrow_schema()
    assert tables["restaurants"].schema == RESTAURANTS.arrow_schema()


def test_same_seed_same_data_other_seed_other_data(tables: dict[str, pa.Table]) -> None:
    assert generate(SPEC)["order_items"].equals(tables["order_items"])
    other = generate(CuratedSpec(**{**SPEC.__dict__, "seed": 4}))
    assert not other["orders"].column("user_id").equals(tables["orders"].column("user_id"))


def test_shape_matches_the_spec(tables: dict[str, pa.Table]) -> None:
    summary = summarize(tables)
    assert summary.users <= 60
    assert summary.restaurants == 8
    assert summary.orders == 60 * SPEC.orders_per_customer
    assert 0 < summary.cancelled < summary.orders
    assert (summary.last_order_at - summary.first_order_at).days < 30


def test_each_customer_orders_in_one_city_from_that_citys_restaurants(tables: dict[str, pa.Table]) -> None:
    city_of_restaurant = {r["restaurant_id"]: r["city"] for r in tables["restaurants"].to_pylist()}
    cities: dict[str, set[str]] = defaultdict(set)
    for order in tables["orders"].to_pylist():
        cities[order["user_id"]].add(order["city"])
        assert city_of_restaurant[order["restaurant_id"]] == order["city"]
        assert order["date"] == order["created_at"].date()
    assert all(len(c) == 1 for c in cities.values())


def test_lines_are_priced_from_the_menu(tables: dict[str, pa.Table]) -> None:
    for line in tables["order_items"].to_pylist():
        assert line["line_total_cents"] == line["unit_price_cents"] * line["quantity"]
        assert line["unit_price_cents"] > 0


def test_tastes_and_favourites_make_customers_reorder(tables: dict[str, pa.Table]) -> None:
    user_of_order = {o["order_id"]: o["user_id"] for o in tables["orders"].to_pylist()}
    bought = Counter((user_of_order[i["order_id"]], i["menu_item_id"]) for i in tables["order_items"].to_pylist())
    assert sum(1 for n in bought.values() if n >= 3) >= 10
