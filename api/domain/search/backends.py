"""The one seam of search: a ``SearchBackend`` protocol and the settings-selected implementation.

Only Postgres (full-text + ``pg_trgm``) is implemented, because it is what the platform runs; an
Elasticsearch/OpenSearch backend would implement the same protocol, index from the same
``MenuUpdated`` events, and be selected with ``PIZZA_API_SEARCH_BACKEND`` without touching callers.
"""

from __future__ import annotations

from typing import Protocol

from api.db import Databases
from api.domain.search.postgres import PostgresSearchBackend
from api.domain.search.schemas import SearchQuery, SearchResults


class SearchBackend(Protocol):
    async def search(self, query: SearchQuery) -> SearchResults: ...


def build_backend(name: str, db: Databases) -> SearchBackend:
    if name == "postgres":
        return PostgresSearchBackend(db)
    raise ValueError(f"unknown search backend {name!r}; available: postgres")
