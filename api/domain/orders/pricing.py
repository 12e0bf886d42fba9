"""Server-side pricing of a cart: pure functions over the menu, never over client-sent prices.

Everything is integer minor units (cents) of the restaurant's currency, so totals add up exactly
and match what the payment provider charges. The service gathers the inputs (menu from MongoDB,
restaurant from the catalog, coupon discount) and these functions do the arithmetic and the checks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pizza.money import Threshold, UnknownCurrencyError

EARTH_RADIUS_KM = 6371.0088


class PricingError(Exception):
    """The cart cannot be priced as sent (unknown item, unavailable, bad size...): a 422 for the client."""


@dataclass(frozen=True, slots=True)
class MenuItem:
    item_id: str
    name: str
    available: bool
    sizes: Mapping[str, int]  # size name -> price in cents
    toppings: Mapping[str, int] = field(default_factory=dict)  # topping name -> extra cents per unit


@dataclass(frozen=True, slots=True)
class Menu:
    items: Mapping[str, MenuItem]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Menu:
        """Build from the ``menus`` document (items with ``id``, ``sizes`` and ``toppings`` lists)."""
        items = {}
        for raw in document.get("items", []):
            items[str(raw["id"])] = MenuItem(
                item_id=str(raw["id"]),
                name=str(raw["name"]),
                available=bool(raw.get("available", True)),
                sizes={str(s["name"]): int(s["price_cents"]) for s in raw.get("sizes", [])},
                toppings={str(t["name"]): int(t["price_cents"]) for t in raw.get("toppings", [])},
            )
        return cls(items)


@dataclass(frozen=True, slots=True)
class CartLine:
    menu_item_id: str
    quantity: int
    size: str | None = None
    toppings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_no: int
    menu_item_id: str
    name: str
    size: str
    toppings: tuple[str, ...]
    quantity: int
    unit_price_cents: int
    line_total_cents: int


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """The fee's amounts are US-dollar cents, set once for every market (see :func:`delivery_fee`)."""

    base_fee_cents: int
    per_km_cents: int
    max_distance_km: float
    free_over_cents: int | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_cents: int
    discount_cents: int
    delivery_fee_cents: int
    total_cents: int


def price_line(menu: Menu, line: CartLine, line_no: int) -> PricedLine:
    item = menu.items.get(line.menu_item_id)
    if item is None:
        raise PricingError(f"item {line.menu_item_id!r} is not on this restaurant's menu")
    if not item.available:
        raise PricingError(f"{item.name} is not available right now")
    if not item.sizes:
        raise PricingError(f"{item.name} has no price on the menu")
    size = line.size
    if size is None:
        if len(item.sizes) > 1:
            raise PricingError(f"choose a size for {item.name}: {', '.join(item.sizes)}")
        size = next(iter(item.sizes))
    if size not in item.sizes:
        raise PricingError(f"{item.name} comes in {', '.join(item.sizes)}, not {size!r}")
    if len(set(line.toppings)) != len(line.toppings):
        raise PricingError(f"a topping is repeated on {item.name}")
    unknown = [t for t in line.toppings if t not in item.toppings]
    if unknown:
        offered = ", ".join(item.toppings) or "none"
        raise PricingError(f"{item.name} does not offer {', '.join(unknown)} (toppings: {offered})")
    unit = item.sizes[size] + sum(item.toppings[t] for t in line.toppings)
    return PricedLine(
        line_no=line_no,
        menu_item_id=item.item_id,
        name=item.name,
        size=size,
        toppings=tuple(line.toppings),
        quantity=line.quantity,
        unit_price_cents=unit,
        line_total_cents=unit * line.quantity,
    )


def price_lines(menu: Menu, lines: Sequence[CartLine]) -> list[PricedLine]:
    if not lines:
        raise PricingError("the cart is empty")
    return [price_line(menu, line, no) for no, line in enumerate(lines, start=1)]


def subtotal(lines: Iterable[PricedLine]) -> int:
    return sum(line.line_total_cents for line in lines)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; good enough for a fee band (road distance comes from the routing service)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def delivery_fee(policy: DeliveryPolicy, distance_km: float, subtotal_cents: int, currency: str) -> int:
    """Base fee plus a charge per started kilometre; free above a basket size; refused beyond the radius.

    The policy is in US-dollar cents; the fee and the free-delivery basket are converted to the
    restaurant's ``currency`` as one :class:`~pizza.money.Threshold` each, so the fee is rounded once
    (a whole number of yen, within half a US cent of the dollar fee) and grows with the distance.
    """
    if distance_km > policy.max_distance_km:
        raise PricingError(
            f"the address is {distance_km:.1f} km away; this restaurant delivers within {policy.max_distance_km:g} km"
        )
    try:
        if policy.free_over_cents is not None and subtotal_cents >= Threshold(policy.free_over_cents).in_currency(
            currency
        ):
            return 0
        return Threshold(policy.base_fee_cents + policy.per_km_cents * math.ceil(distance_km)).in_currency(currency)
    except UnknownCurrencyError as exc:
        raise PricingError(f"no delivery fee is set for {currency}") from exc


def totals(subtotal_cents: int, discount_cents: int, delivery_fee_cents: int) -> Totals:
    """Combine the parts; a discount never exceeds the subtotal (the delivery fee is not discounted)."""
    discount = max(0, min(discount_cents, subtotal_cents))
    return Totals(
        subtotal_cents=subtotal_cents,
        discount_cents=discount,
        delivery_fee_cents=delivery_fee_cents,
        total_cents=subtotal_cents - discount + delivery_fee_cents,
    )
