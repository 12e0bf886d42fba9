"""Dependency providers of search: the backend named by ``PIZZA_API_SEARCH_BACKEND``."""

from __future__ import annotations

from litestar.datastructures import State

from api.db import Databases
from api.domain.search.backends import SearchBackend, build_backend


def provide_search_backend(db: Databases, state: State) -> SearchBackend:
    return build_backend(state.settings.search_backend, db)
