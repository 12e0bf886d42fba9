"""A synthetic curated dataset with learnable structure, for development, tests and the demo.

Customers have stable latent tastes (a mix over pizza styles) and habits (personal favourite dishes and
restaurants they reorder), and live in one city; each city has its own restaurants, each with a specialty
style and a small menu. A customer picks restaurants and dishes by taste x habit x popularity, so a
collaborative model has real signal to find, and a popularity ranking is a fair but beatable baseline.
The tables follow the curated contract exactly (``pizza.contracts.curated``) and land in the lake layout
the job reads, so the job cannot tell them from compacted CDC data.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from pipelines.io.lakefs import Location
from pizza.contracts.curated import ORDER_ITEMS, ORDERS, PARTITION_DATE, RESTAURANTS, CuratedTable
from pizza.contracts.lake import CURATED

STYLES: dict[str, tuple[str, ...]] = {
    "classic": ("Margherita", "Marinara", "Napoletana", "Quattro Formaggi", "Capricciosa", "Calzone"),
    "spicy": ("Diavola", "Inferno", "Nduja", "Jalapeño Popper", "Arrabbiata", "Chili Honey"),
    "veggie": ("Ortolana", "Funghi", "Spinach Ricotta", "Garden", "Pesto Verde", "Melanzane"),
    "meat": ("Pepperoni", "Meat Feast", "Prosciutto", "Salsiccia", "BBQ Chicken", "Speck"),
    "seafood": ("Frutti di Mare", "Tonno", "Gamberi", "Acciughe", "Smoked Salmon", "Vongole"),
    "white": ("Bianca", "Truffle", "Carbonara", "Patate", "Gorgonzola Pear", "Burrata"),
}
CITIES: tuple[tuple[str, str, str, str, float, float], ...] = (
    # city, country, timezone, currency, lat, lon
    ("Naples", "IT", "Europe/Rome", "EUR", 40.85, 14.27),
    ("London", "GB", "Europe/London", "GBP", 51.51, -0.13),
    ("New York", "US", "America/New_York", "USD", 40.71, -74.01),
    ("São Paulo", "BR", "America/Sao_Paulo", "BRL", -23.55, -46.63),
    ("Tokyo", "JP", "Asia/Tokyo", "JPY", 35.68, 139.69),
    ("Sydney", "AU", "Australia/Sydney", "AUD", -33.87, 151.21),
)


@dataclass(frozen=True)
class SyntheticSpec:
    """Size and shape of the dataset. Defaults = the demo; tests pass smaller numbers."""

    n_users: int = 2000
    n_cities: int = 4
    restaurants_per_city: int = 12
    dishes_per_restaurant: int = 8
    mean_orders_per_user: float = 9.0
    days: int = 180
    end: datetime = datetime(2025, 6, 30, tzinfo=UTC)
    cancel_rate: float = 0.05
    taste_concentration: float = 0.3  # Dirichlet alpha: small = customers stick to one or two styles
    habit_strength: float = 1.0  # lognormal sigma of personal favourites: 0 = no habits, orders are i.i.d.
    seed: int = 7


@dataclass(frozen=True)
class SyntheticSummary:
    users: int
    restaurants: int
    dishes: int
    orders: int
    order_items: int
    cancelled: int
    first_order_at: datetime
    last_order_at: datetime


@dataclass
class _Restaurant:
    restaurant_id: str
    name: str
    city_index: int
    style: int
    popularity: float
    dish_offset: int  # position of the first dish in the global dish list
    dish_ids: list[str]
    dish_names: list[str]
    dish_styles: np.ndarray
    dish_popularity: np.ndarray
    dish_prices: np.ndarray


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _build_restaurants(spec: SyntheticSpec, rng: np.random.Generator) -> list[_Restaurant]:
    style_names = list(STYLES)
    restaurants: list[_Restaurant] = []
    offset = 0
    for c in range(spec.n_cities):
        city = CITIES[c][0]
        for r in range(spec.restaurants_per_city):
            style = (c + r) % len(style_names)
            # half the menu is the specialty, the rest is drawn from the other styles
            n_special = max(1, spec.dishes_per_restaurant // 2)
            others = rng.choice(
                [s for s in range(len(style_names)) if s != style], spec.dishes_per_restaurant - n_special
            )
            dish_styles = np.concatenate([np.full(n_special, style), others]).astype(int)
            names = [str(rng.choice(STYLES[style_names[s]])) for s in dish_styles]
            restaurants.append(
                _Restaurant(
                    restaurant_id=_uuid(rng),
                    name=f"{style_names[style].title()} House {city} #{r + 1}",
                    city_index=c,
                    style=style,
                    popularity=float(rng.lognormal(0.0, 0.6)),
                    dish_offset=offset,
                    dish_ids=[f"mi-{rng.bytes(6).hex()}" for _ in dish_styles],
                    dish_names=names,
                    dish_styles=dish_styles,
                    dish_popularity=rng.lognormal(0.0, 0.7, size=len(dish_styles)),
                    dish_prices=rng.integers(800, 1900, size=len(dish_styles)),
                )
            )
            offset += len(dish_styles)
    return restaurants


def generate(spec: SyntheticSpec) -> dict[str, pa.Table]:
    """The curated tables ``orders``, ``order_items`` and ``restaurants`` as Arrow tables (contract schemas)."""
    if spec.n_cities > len(CITIES):
        raise ValueError(f"at most {len(CITIES)} cities")
    rng = np.random.default_rng(spec.seed)
    n_styles = len(STYLES)
    restaurants = _build_restaurants(spec, rng)
    by_city = [[r for r in restaurants if r.city_index == c] for c in range(spec.n_cities)]
    n_dishes = sum(len(r.dish_ids) for r in restaurants)
    start = spec.end - timedelta(days=spec.days)
    span_s = spec.days * 86400

    # rows as dicts: a column the contract adds later and we do not fill is simply null
    orders: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    lsn = 0
    for _ in range(spec.n_users):
        user_id = _uuid(rng)
        c = int(rng.integers(spec.n_cities))
        city, _, _, currency, lat, lon = CITIES[c]
        taste = rng.dirichlet(np.full(n_styles, spec.taste_concentration))
        activity = rng.lognormal(0.0, 0.5)
        n_orders = 1 + int(rng.poisson(max(spec.mean_orders_per_user - 1, 0) * activity))
        pool = by_city[c]
        dish_habit = rng.lognormal(0.0, spec.habit_strength, size=n_dishes)
        place_habit = rng.lognormal(0.0, spec.habit_strength, size=len(pool))
        r_weights = np.array([(taste[r.style] + 0.05) * r.popularity for r in pool]) * place_habit
        r_weights /= r_weights.sum()
        for offset in np.sort(rng.integers(0, span_s, size=n_orders)):
            created = start + timedelta(seconds=int(offset))
            rest = pool[int(rng.choice(len(pool), p=r_weights))]
            habit = dish_habit[rest.dish_offset : rest.dish_offset + len(rest.dish_ids)]
            d_weights = (taste[rest.dish_styles] + 0.05) * rest.dish_popularity * habit
            n_lines = min(len(rest.dish_ids), 1 + int(rng.binomial(2, 0.4)))
            picks = rng.choice(len(rest.dish_ids), size=n_lines, replace=False, p=d_weights / d_weights.sum())
            order_id = _uuid(rng)
            subtotal = 0
            for line_no, d in enumerate(picks, start=1):
                quantity = 1 + int(rng.random() < 0.2)
                line_total = int(rest.dish_prices[d]) * quantity
                subtotal += line_total
                lsn += 1
                items.append(
                    {
                        "order_id": order_id,
                        "line_no": line_no,
                        "order_created_at": created,
                        "menu_item_id": rest.dish_ids[d],
                        "name": rest.dish_names[d],
                        "size": "medium",
                        "toppings": "[]",
                        "quantity": quantity,
                        "unit_price_cents": int(rest.dish_prices[d]),
                        "line_total_cents": line_total,
                        "_shard": "shard_0",
                        "_lsn": lsn,
                        "_commit_ts": created,
                        PARTITION_DATE: created.date(),
                    }
                )
            status = "CANCELLED" if rng.random() < spec.cancel_rate else "DELIVERED"
            updated = created + timedelta(minutes=40)
            lsn += 1
            orders.append(
                {
                    "order_id": order_id,
                    "user_id": user_id,
                    "restaurant_id": rest.restaurant_id,
                    "status": status,
                    "currency": currency,
                    "subtotal_cents": subtotal,
                    "discount_cents": 0,
                    "delivery_fee_cents": 299,
                    "total_cents": subtotal + 299,
                    "city": city,
                    "delivery_address": json.dumps({"line1": "1 Synthetic Street", "city": city}),
                    "delivery_lat": lat,
                    "delivery_lon": lon,
                    "created_at": created,
                    "updated_at": updated,
                    "_shard": "shard_0",
                    "_lsn": lsn,
                    "_commit_ts": updated,
                    PARTITION_DATE: created.date(),
                }
            )

    restaurant_rows: list[dict[str, object]] = []
    for r in restaurants:
        city, country, tz, currency, lat, lon = CITIES[r.city_index]
        restaurant_rows.append(
            {
                "restaurant_id": r.restaurant_id,
                "name": r.name,
                "city": city,
                "country": country,
                "timezone": tz,
                "currency": currency,
                "cuisine": "pizza",
                "address": f"{r.city_index + 1} Via Synthetic, {city}",
                "lat": lat,
                "lon": lon,
                "opening_hours": "{}",
                "rating_avg": 4.2,
                "rating_count": 10,
                "is_active": True,
                "created_at": start,
                "updated_at": start,
                "_shard": "catalog",
                "_lsn": 0,
                "_commit_ts": start,
                PARTITION_DATE: start.date(),
            }
        )

    return {
        ORDERS.name: pa.Table.from_pylist(orders, schema=ORDERS.arrow_schema()),
        ORDER_ITEMS.name: pa.Table.from_pylist(items, schema=ORDER_ITEMS.arrow_schema()),
        RESTAURANTS.name: pa.Table.from_pylist(restaurant_rows, schema=RESTAURANTS.arrow_schema()),
    }


def summarize(tables: dict[str, pa.Table]) -> SyntheticSummary:
    orders = tables[ORDERS.name]
    created = orders.column("created_at").to_pylist()
    return SyntheticSummary(
        users=len(set(orders.column("user_id").to_pylist())),
        restaurants=tables[RESTAURANTS.name].num_rows,
        dishes=len(set(tables[ORDER_ITEMS.name].column("menu_item_id").to_pylist())),
        orders=orders.num_rows,
        order_items=tables[ORDER_ITEMS.name].num_rows,
        cancelled=orders.column("status").to_pylist().count("CANCELLED"),
        first_order_at=min(created),
        last_order_at=max(created),
    )


def write_curated(tables: dict[str, pa.Table], lake: Location) -> None:
    """Write each table under ``curated/<table>/date=YYYY-MM-DD/`` (Hive partitions), replacing those dates."""
    contracts: dict[str, CuratedTable] = {t.name: t for t in (ORDERS, ORDER_ITEMS, RESTAURANTS)}
    for name, table in tables.items():
        partitioning = ds.partitioning(pa.schema([contracts[name].arrow_schema().field(PARTITION_DATE)]), flavor="hive")
        ds.write_dataset(
            table,
            lake.path(CURATED, name),
            filesystem=lake.fs,
            format="parquet",
            partitioning=partitioning,
            basename_template="part-{i}.parquet",
            existing_data_behavior="delete_matching",
        )


def write_synthetic_lake(spec: SyntheticSpec, lake: Location) -> SyntheticSummary:
    tables = generate(spec)
    write_curated(tables, lake)
    return summarize(tables)
