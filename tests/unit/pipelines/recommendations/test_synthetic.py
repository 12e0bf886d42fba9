from collections import Counter, defaultdict

import pyarrow as pa
import pytest

from pipelines.recommendations.synthetic import SyntheticSpec, generate, summarize
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, RESTAURANTS

pytestmark = pytest.mark.unit

SPEC = SyntheticSpec(n_users=60, n_cities=2, restaurants_per_city=4, dishes_per_restaurant=4, days=30, seed=3)


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return generate(SPEC)


def test_tables_follow_the_curated_contract(tables: dict[str, pa.Table]) -> None:
    assert tables["orders"].schema == ORDERS.arrow_schema()
    assert tables["order_items"].schema == ORDER_ITEMS.arrow_schema()
    assert tables["restaurants"].schema == RESTAURANTS.arrow_schema()


def test_same_seed_same_data_other_seed_other_data(tables: dict[str, pa.Table]) -> None:
    assert generate(SPEC)["order_items"].equals(tables["order_items"])
    other = generate(SyntheticSpec(**{**SPEC.__dict__, "seed": 4}))
    assert not other["orders"].column("user_id").equals(tables["orders"].column("user_id"))


def test_shape_matches_the_spec(tables: dict[str, pa.Table]) -> None:
    summary = summarize(tables)
    assert summary.users == 60
    assert summary.restaurants == 8
    assert summary.dishes <= 8 * 4
    assert summary.orders >= 60  # everyone orders at least once
    assert 0 < summary.cancelled < summary.orders
    assert (summary.last_order_at - summary.first_order_at).days < 30


def test_each_customer_orders_in_one_city_from_that_citys_restaurants(tables: dict[str, pa.Table]) -> None:
    city_of_restaurant = {r["restaurant_id"]: r["city"] for r in tables["restaurants"].to_pylist()}
    cities: dict[str, set[str]] = defaultdict(set)
    orders = tables["orders"].to_pylist()
    for order in orders:
        cities[order["user_id"]].add(order["city"])
        assert city_of_restaurant[order["restaurant_id"]] == order["city"]
        assert order["date"] == order["created_at"].date()
    assert all(len(c) == 1 for c in cities.values())


def test_dishes_belong_to_the_restaurant_of_their_order(tables: dict[str, pa.Table]) -> None:
    restaurant_of_order = {o["order_id"]: o["restaurant_id"] for o in tables["orders"].to_pylist()}
    restaurants_of_dish: dict[str, set[str]] = defaultdict(set)
    for line in tables["order_items"].to_pylist():
        restaurants_of_dish[line["menu_item_id"]].add(restaurant_of_order[line["order_id"]])
        assert line["line_total_cents"] == line["unit_price_cents"] * line["quantity"]
    assert all(len(r) == 1 for r in restaurants_of_dish.values())


def test_habits_make_customers_reorder_their_favourites(tables: dict[str, pa.Table]) -> None:
    user_of_order = {o["order_id"]: o["user_id"] for o in tables["orders"].to_pylist()}
    bought = Counter((user_of_order[i["order_id"]], i["menu_item_id"]) for i in tables["order_items"].to_pylist())
    assert sum(1 for n in bought.values() if n >= 3) >= 10
