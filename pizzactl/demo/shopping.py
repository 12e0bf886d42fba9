"""What a customer puts in the cart: driven by their stable tastes, so recommendations have signal."""

from __future__ import annotations

import random
from typing import Any

from pizzactl.demo.seed import slug
from pizzactl.demo.world import Customer, Restaurant


def choose_restaurant(customer: Customer, local: list[Restaurant], rng: random.Random) -> Restaurant:
    favourites = [r for r in local if r.key in customer.favourites]
    if favourites and rng.random() < 0.75:
        return rng.choice(favourites)
    return rng.choice(local)


def build_cart(customer: Customer, restaurant: Restaurant, rng: random.Random) -> dict[str, Any]:
    pizzas = [item for item in restaurant.menu if item["category"] == "pizza"]
    weights = [customer.tastes[str(item["tags"][0])] + 0.02 for item in pizzas]  # type: ignore[index]
    lines: dict[str, dict[str, Any]] = {}
    for _ in range(rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0]):
        item = rng.choices(pizzas, weights=weights)[0]
        key = slug(str(item["name"]))
        line = lines.setdefault(
            key, {"menu_item_id": key, "quantity": 0, "size": rng.choices(("S", "M", "L"), weights=(0.2, 0.5, 0.3))[0]}
        )
        line["quantity"] += 1
        if rng.random() < 0.2:
            line["toppings"] = ["extra cheese"]
    if rng.random() < 0.35:
        side = rng.choice([item for item in restaurant.menu if item["category"] == "side"])
        lines[slug(str(side["name"]))] = {"menu_item_id": slug(str(side["name"])), "quantity": 1, "size": "regular"}
    return {
        "restaurant_id": None,  # filled by the caller with the seeded id
        "items": list(lines.values()),
        "address": {
            "line1": f"{customer.key} Home Street",
            "city": customer.city.name,
            "lat": customer.lat,
            "lon": customer.lon,
            "country": customer.city.country,
        },
    }
