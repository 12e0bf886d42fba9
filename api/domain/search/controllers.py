"""``GET /search``: restaurants and dishes by text, with the listing's filters."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Dependency, Parameter

from api.domain.restaurants.controllers import near_point
from api.domain.search.backends import SearchBackend
from api.domain.search.deps import provide_search_backend
from api.domain.search.schemas import SearchQuery, SearchResults
from api.lib.validation import HAS_WORD, NOT_BLANK


class SearchController(Controller):
    path = "/search"
    tags = ["search"]
    dependencies = {"search": Provide(provide_search_backend, sync_to_thread=False)}

    @get(
        "/",
        operation_id="Search",
        summary="Find restaurants and dishes by text (typo tolerant), optionally near a point",
        opt={"exclude_from_auth": True},
        security=[{}],
    )
    async def search(
        self,
        search: Annotated[SearchBackend, Dependency(skip_validation=True)],  # a Protocol: nothing to validate
        q: Annotated[str, Parameter(min_length=1, max_length=100, pattern=HAS_WORD, description="what to look for")],
        city: Annotated[str | None, Parameter(min_length=1, max_length=100, pattern=NOT_BLANK)] = None,
        cuisine: Annotated[str | None, Parameter(min_length=1, max_length=50, pattern=NOT_BLANK)] = None,
        open_now: bool = False,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float | None, Parameter(ge=0.1, le=500)] = None,
        limit: Annotated[int, Parameter(ge=1, le=50, description="hits of each kind")] = 20,
    ) -> SearchResults:
        """Ranked by text relevance, then rating, then distance; unavailable dishes are left out."""
        query = SearchQuery(
            text=q.strip(),
            city=city,
            cuisine=cuisine,
            open_now=open_now,
            near=near_point(lat, lon, radius_km),
            limit=limit,
        )
        return await search.search(query)
