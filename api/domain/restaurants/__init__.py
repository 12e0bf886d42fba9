"""Restaurants and their menus: catalog rows, MongoDB menu documents, Redis menu cache."""

from api.domain.restaurants.controllers import MenuController, RestaurantController
from api.domain.restaurants.deps import provide_restaurant_service
from api.domain.restaurants.filters import Near, RestaurantFilter
from api.domain.restaurants.repositories import filter_conditions
from api.domain.restaurants.schemas import Menu, MenuItem, Restaurant
from api.domain.restaurants.services import RestaurantService, restaurant_exists

controllers = [RestaurantController, MenuController]
__all__ = [
    "Menu",
    "MenuItem",
    "Near",
    "Restaurant",
    "RestaurantFilter",
    "RestaurantService",
    "controllers",
    "filter_conditions",
    "provide_restaurant_service",
    "restaurant_exists",
]
