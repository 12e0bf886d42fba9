"""HTTP surface of restaurants and menus. Reads are public; writes need an admin or the restaurant's staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, patch, post, put
from litestar.di import Provide
from litestar.params import Parameter

from api.domain.restaurants.deps import provide_restaurant_service
from api.domain.restaurants.filters import Near, RestaurantFilter
from api.domain.restaurants.guards import require_restaurant_manager
from api.domain.restaurants.schemas import (
    AvailabilityUpdate,
    Menu,
    MenuWrite,
    Restaurant,
    RestaurantCreate,
    RestaurantPage,
    RestaurantUpdate,
)
from api.domain.restaurants.services import RestaurantService
from api.lib.auth import require_roles
from api.lib.errors import UnprocessableError
from api.lib.validation import NO_NUL, NOT_BLANK

PUBLIC = {"exclude_from_auth": True}
ANONYMOUS: list[dict[str, list[str]]] = [{}]
SERVICE = {"restaurants": Provide(provide_restaurant_service, sync_to_thread=False)}


def near_point(lat: float | None, lon: float | None, radius_km: float | None) -> Near | None:
    """A point filter from query parameters: both coordinates or none; a radius needs a point."""
    if (lat is None) != (lon is None):
        raise UnprocessableError("give both lat and lon, or neither")
    if lat is None or lon is None:
        if radius_km is not None:
            raise UnprocessableError("radius_km needs lat and lon")
        return None
    return Near(lat=lat, lon=lon, radius_km=radius_km)


class RestaurantController(Controller):
    path = "/restaurants"
    tags = ["restaurants"]
    dependencies = SERVICE

    @get("/", operation_id="ListRestaurants", summary="Browse restaurants", opt=PUBLIC, security=ANONYMOUS)
    async def list_restaurants(
        self,
        restaurants: RestaurantService,
        city: Annotated[str | None, Parameter(min_length=1, max_length=100, pattern=NOT_BLANK)] = None,
        cuisine: Annotated[str | None, Parameter(min_length=1, max_length=50, pattern=NOT_BLANK)] = None,
        open_now: Annotated[bool, Parameter(description="only restaurants open now in their own time zone")] = False,
        lat: Annotated[float | None, Parameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, Parameter(ge=-180, le=180)] = None,
        radius_km: Annotated[float | None, Parameter(ge=0.1, le=500)] = None,
        cursor: Annotated[
            str | None, Parameter(max_length=500, pattern=NO_NUL, description="next_cursor of the previous page")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> RestaurantPage:
        """Nearest first when ``lat``/``lon`` are given, otherwise best rated first."""
        f = RestaurantFilter(city=city, cuisine=cuisine, open_now=open_now, near=near_point(lat, lon, radius_km))
        return await restaurants.list_restaurants(f, cursor, limit)

    @post(
        "/",
        operation_id="CreateRestaurant",
        summary="Add a restaurant (administrators only)",
        guards=[require_roles("admin")],
    )
    async def create_restaurant(self, restaurants: RestaurantService, data: RestaurantCreate) -> Restaurant:
        return await restaurants.create(data)

    @get(
        "/{restaurant_id:uuid}",
        operation_id="GetRestaurant",
        summary="One restaurant",
        opt=PUBLIC,
        security=ANONYMOUS,
    )
    async def get_restaurant(self, restaurants: RestaurantService, restaurant_id: uuid.UUID) -> Restaurant:
        return await restaurants.get(restaurant_id)

    @patch(
        "/{restaurant_id:uuid}",
        operation_id="UpdateRestaurant",
        summary="Change a restaurant (its staff or an administrator)",
        guards=[require_restaurant_manager],
    )
    async def update_restaurant(
        self, restaurants: RestaurantService, restaurant_id: uuid.UUID, data: RestaurantUpdate
    ) -> Restaurant:
        return await restaurants.update(restaurant_id, data)


class MenuController(Controller):
    path = "/restaurants/{restaurant_id:uuid}/menu"
    tags = ["menus"]
    dependencies = SERVICE

    @get("/", operation_id="GetMenu", summary="The restaurant's menu (cached)", opt=PUBLIC, security=ANONYMOUS)
    async def get_menu(self, restaurants: RestaurantService, restaurant_id: uuid.UUID) -> Menu:
        return await restaurants.get_menu(restaurant_id)

    @put(
        "/",
        operation_id="ReplaceMenu",
        summary="Replace the whole menu (its staff or an administrator)",
        guards=[require_restaurant_manager],
    )
    async def replace_menu(self, restaurants: RestaurantService, restaurant_id: uuid.UUID, data: MenuWrite) -> Menu:
        return await restaurants.replace_menu(restaurant_id, data)

    @patch(
        "/items/{item_id:str}",
        operation_id="SetMenuItemAvailability",
        summary="Mark one item available or sold out (its staff or an administrator)",
        guards=[require_restaurant_manager],
    )
    async def set_availability(
        self,
        restaurants: RestaurantService,
        restaurant_id: uuid.UUID,
        item_id: Annotated[str, Parameter(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")],
        data: AvailabilityUpdate,
    ) -> Menu:
        return await restaurants.set_item_availability(restaurant_id, item_id, data.available)
