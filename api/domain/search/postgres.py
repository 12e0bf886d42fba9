"""Search in the catalog database: PostgreSQL full-text search plus ``pg_trgm`` similarity.

Matching: a restaurant or dish matches when the query is trigram-similar to its name (typo
tolerance: "cheesy pizza" ~ "Cheese Pizza", "margarita" ~ "Margherita") or when any query word is a
prefix of a word of its text (name, cuisine/category, tags, description). Both tests are indexed
(GIN trigram and GIN tsvector). Ranking: the text score in bands of 0.1 (so near-equal matches are
not ordered by noise), then rating, then distance when a point is given.
"""

from __future__ import annotations

import re

from psycopg import sql

from api.db import Databases
from api.domain.restaurants import RestaurantFilter, filter_conditions
from api.domain.search.schemas import DishHit, RestaurantHit, SearchQuery, SearchResults
from api.lib.sql import fetch_all

WORD_SIMILARITY_THRESHOLD = 0.45  # pg_trgm's default 0.6 misses one-letter typos in short words
MAX_WORDS = 8


def prefix_tsquery(text: str) -> str | None:
    """``'chees:* | pizza:*'``: any word as a prefix; words are \\w runs, so the syntax is always valid."""
    words = re.findall(r"\w+", text.lower())[:MAX_WORDS]
    return " | ".join(f"{w}:*" for w in words) if words else None


class PostgresSearchBackend:
    def __init__(self, db: Databases) -> None:
        self.db = db

    def _common(self, q: SearchQuery) -> tuple[list[sql.Composable], sql.Composable, sql.Composable]:
        f = RestaurantFilter(city=q.city, cuisine=q.cuisine, open_now=q.open_now, near=q.near)
        terms = filter_conditions(f)
        if q.near is not None:
            distance: sql.Composable = sql.SQL(
                "(earth_distance(ll_to_earth({}, {}), ll_to_earth(r.lat, r.lon)) / 1000.0)"
            ).format(sql.Literal(q.near.lat), sql.Literal(q.near.lon))
        else:
            distance = sql.SQL("NULL::float8")
        tsq = prefix_tsquery(q.text)
        tsquery = sql.SQL("to_tsquery('simple', {})").format(sql.Literal(tsq)) if tsq else sql.SQL("NULL::tsquery")
        return terms, distance, tsquery

    async def search(self, q: SearchQuery) -> SearchResults:
        terms, distance, tsquery = self._common(q)
        text = sql.Literal(q.text)
        restaurants = sql.SQL(
            """SELECT r.restaurant_id, r.name, r.city, r.cuisine, r.rating_avg::float8 AS rating_avg,
                      restaurant_is_open(r.opening_hours, r.timezone, now()) AS open_now,
                      {distance} AS distance_km,
                      greatest(word_similarity({text}, r.name), similarity({text}, r.cuisine))
                        + ts_rank(r.search_tsv, coalesce({tsquery}, ''::tsquery)) AS score
                 FROM restaurants r
                WHERE ({text} <% r.name OR {text} % r.cuisine OR r.search_tsv @@ {tsquery})
                  {filters}
             ORDER BY round((greatest(word_similarity({text}, r.name), similarity({text}, r.cuisine))
                        + ts_rank(r.search_tsv, coalesce({tsquery}, ''::tsquery)))::numeric, 1) DESC,
                      coalesce(r.rating_avg, 0) DESC, distance_km ASC NULLS LAST, r.restaurant_id
                LIMIT {limit}"""
        )
        dishes = sql.SQL(
            """SELECT d.restaurant_id, r.name AS restaurant_name, r.city, d.item_id, d.name, d.description,
                      d.category, d.min_price_cents, r.currency, r.rating_avg::float8 AS rating_avg,
                      restaurant_is_open(r.opening_hours, r.timezone, now()) AS open_now,
                      {distance} AS distance_km,
                      word_similarity({text}, d.name) + ts_rank(d.search_tsv, coalesce({tsquery}, ''::tsquery)) AS score
                 FROM menu_items_search d
                 JOIN restaurants r ON r.restaurant_id = d.restaurant_id
                WHERE d.available AND ({text} <% d.name OR d.search_tsv @@ {tsquery})
                  {filters}
             ORDER BY round((word_similarity({text}, d.name)
                        + ts_rank(d.search_tsv, coalesce({tsquery}, ''::tsquery)))::numeric, 1) DESC,
                      coalesce(r.rating_avg, 0) DESC, distance_km ASC NULLS LAST, d.restaurant_id, d.item_id
                LIMIT {limit}"""
        )
        params = {
            "distance": distance,
            "text": text,
            "tsquery": tsquery,
            "filters": sql.SQL("").join(sql.SQL(" AND ") + t for t in terms),
            "limit": sql.Literal(q.limit),
        }
        async with self.db.catalog_tx() as conn:
            await conn.execute(
                sql.SQL("SELECT set_config('pg_trgm.word_similarity_threshold', {}, true)").format(
                    sql.Literal(str(WORD_SIMILARITY_THRESHOLD))
                )
            )
            restaurant_rows = await fetch_all(conn, restaurants.format(**params))
            dish_rows = await fetch_all(conn, dishes.format(**params))
        return SearchResults(
            query=q.text,
            restaurants=[RestaurantHit(**row) for row in restaurant_rows],
            dishes=[DishHit(**row) for row in dish_rows],
        )
