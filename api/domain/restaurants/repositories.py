"""Catalog SQL of restaurants and of the dish search projection of the menus."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from api.domain.restaurants.filters import Near, RestaurantFilter
from api.lib.sql import Row, fetch_all, fetch_one

RESTAURANT_COLUMNS = sql.SQL(
    """r.restaurant_id, r.name, r.city, r.country, r.timezone, r.currency, r.cuisine, r.address, r.lat, r.lon,
       r.opening_hours, r.rating_avg::float8 AS rating_avg, r.rating_count, r.is_active, r.created_at, r.updated_at,
       restaurant_is_open(r.opening_hours, r.timezone, now()) AS open_now"""
)
RATING = sql.SQL("coalesce(r.rating_avg, 0)::float8")


def distance_km(near: Near) -> sql.Composable:
    return sql.SQL("(earth_distance(ll_to_earth({}, {}), ll_to_earth(r.lat, r.lon)) / 1000.0)").format(
        sql.Literal(near.lat), sql.Literal(near.lon)
    )


def filter_conditions(f: RestaurantFilter) -> list[sql.Composable]:
    """WHERE terms shared by the listing and the search: city, cuisine, open now, within a radius."""
    terms: list[sql.Composable] = []
    if not f.include_inactive:
        terms.append(sql.SQL("r.is_active"))
    if f.city is not None:
        terms.append(sql.SQL("lower(r.city) = lower({})").format(sql.Literal(f.city)))
    if f.cuisine is not None:
        terms.append(sql.SQL("lower(r.cuisine) = lower({})").format(sql.Literal(f.cuisine)))
    if f.open_now:
        terms.append(sql.SQL("restaurant_is_open(r.opening_hours, r.timezone, now())"))
    if f.near is not None and f.near.radius_km is not None:
        metres = sql.Literal(f.near.radius_km * 1000.0)
        centre = sql.SQL("ll_to_earth({}, {})").format(sql.Literal(f.near.lat), sql.Literal(f.near.lon))
        # earth_box is the indexable bounding box; earth_distance trims its corners to the true circle.
        terms.append(sql.SQL("earth_box({c}, {m}) @> ll_to_earth(r.lat, r.lon)").format(c=centre, m=metres))
        terms.append(sql.SQL("earth_distance({c}, ll_to_earth(r.lat, r.lon)) <= {m}").format(c=centre, m=metres))
    return terms


def where(terms: list[sql.Composable]) -> sql.Composable:
    return sql.SQL("WHERE ") + sql.SQL(" AND ").join(terms) if terms else sql.SQL("")


async def insert_restaurant(conn: psycopg.AsyncConnection, row: Row) -> Row:
    await conn.execute(
        """INSERT INTO restaurants (restaurant_id, name, city, country, timezone, currency, cuisine, address, lat, lon,
                                    opening_hours)
           VALUES (%(restaurant_id)s, %(name)s, %(city)s, %(country)s, %(timezone)s, %(currency)s, %(cuisine)s,
                   %(address)s, %(lat)s, %(lon)s, %(opening_hours)s)""",
        {**row, "opening_hours": Jsonb(row["opening_hours"])},
    )
    created = await get_restaurant(conn, row["restaurant_id"], include_inactive=True)
    assert created is not None
    return created


async def get_restaurant(
    conn: psycopg.AsyncConnection, restaurant_id: uuid.UUID, *, include_inactive: bool = False, lock: bool = False
) -> Row | None:
    query = sql.SQL("SELECT {cols} FROM restaurants r WHERE r.restaurant_id = {id} {active} {lock}").format(
        cols=RESTAURANT_COLUMNS,
        id=sql.Literal(restaurant_id),
        active=sql.SQL("" if include_inactive else "AND r.is_active"),
        lock=sql.SQL("FOR UPDATE" if lock else ""),
    )
    return await fetch_one(conn, query)


async def update_restaurant(conn: psycopg.AsyncConnection, restaurant_id: uuid.UUID, fields: Row) -> Row | None:
    if fields:
        values = {k: Jsonb(v) if k == "opening_hours" else v for k, v in fields.items()}
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values
        )
        query = sql.SQL("UPDATE restaurants SET {}, updated_at = now() WHERE restaurant_id = {}").format(
            assignments, sql.Placeholder("restaurant_id")
        )
        await conn.execute(query, {**values, "restaurant_id": restaurant_id})
    return await get_restaurant(conn, restaurant_id, include_inactive=True)


async def list_restaurants(
    conn: psycopg.AsyncConnection, f: RestaurantFilter, after: tuple[float, uuid.UUID] | None, limit: int
) -> list[Row]:
    """One keyset page: nearest first when a point is given, else best rated first; ties by id."""
    terms = filter_conditions(f)
    if f.near is not None:
        sort_expr, direction, compare = distance_km(f.near), sql.SQL("ASC"), sql.SQL(">")
    else:
        sort_expr, direction, compare = RATING, sql.SQL("DESC"), sql.SQL("<")
    if after is not None:
        sort_value, last_id = sql.Literal(after[0]), sql.Literal(after[1])
        terms.append(
            sql.SQL("({s} {cmp} {v} OR ({s} = {v} AND r.restaurant_id > {id}))").format(
                s=sort_expr, cmp=compare, v=sort_value, id=last_id
            )
        )
    query = sql.SQL(
        "SELECT {cols}, {s} AS sort_value, {dist} AS distance_km FROM restaurants r {where} "
        "ORDER BY sort_value {dir}, r.restaurant_id LIMIT {limit}"
    ).format(
        cols=RESTAURANT_COLUMNS,
        s=sort_expr,
        dist=distance_km(f.near) if f.near else sql.SQL("NULL::float8"),
        where=where(terms),
        dir=direction,
        limit=sql.Literal(limit),
    )
    return await fetch_all(conn, query)


async def replace_dish_index(conn: psycopg.AsyncConnection, restaurant_id: uuid.UUID, items: list[Row]) -> None:
    """Rewrite the restaurant's rows of ``menu_items_search`` (the caller holds the restaurant row lock)."""
    await conn.execute("DELETE FROM menu_items_search WHERE restaurant_id = %s", (restaurant_id,))
    if not items:
        return
    async with conn.cursor() as cur:
        await cur.executemany(
            """INSERT INTO menu_items_search (restaurant_id, item_id, name, description, category, tags,
                                              min_price_cents, available, search_tsv)
               VALUES (%(restaurant_id)s, %(item_id)s, %(name)s, %(description)s, %(category)s, %(tags)s,
                       %(min_price_cents)s, %(available)s,
                       setweight(to_tsvector('simple', %(name)s), 'A')
                       || setweight(to_tsvector('simple', %(category)s || ' ' || %(tags_text)s), 'B')
                       || setweight(to_tsvector('simple', %(description)s), 'C'))""",
            [{**item, "restaurant_id": restaurant_id, "tags_text": " ".join(item["tags"])} for item in items],
        )


async def restaurant_exists(conn: psycopg.AsyncConnection, restaurant_id: uuid.UUID) -> bool:
    row: Any = await fetch_one(conn, "SELECT 1 AS ok FROM restaurants WHERE restaurant_id = %s", (restaurant_id,))
    return row is not None
