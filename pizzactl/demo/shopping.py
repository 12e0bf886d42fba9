"""A world order as the API's cart body: what the customer picked, delivered to their home."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelines.synthetic.orders import Line
from pipelines.synthetic.world import Customer


def cart_body(customer: Customer, restaurant_id: str, lines: Iterable[Line]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for line in lines:
        item: dict[str, Any] = {"menu_item_id": line.menu_item_id, "quantity": line.quantity, "size": line.size}
        if line.toppings:
            item["toppings"] = list(line.toppings)
        items.append(item)
    return {
        "restaurant_id": restaurant_id,
        "items": items,
        "address": {
            "line1": f"{customer.key} Home Street",
            "city": customer.city.name,
            "lat": customer.lat,
            "lon": customer.lon,
            "country": customer.city.country,
        },
    }
