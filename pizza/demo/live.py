"""Live traffic: customers order now, kitchens cook, riders deliver — every step through the real API.

Each order is a small story run on a thread pool: place the order, wait for the saga to take the
payment, let the restaurant's staff accept, prepare and mark it ready, wait for the saga to assign
the nearest rider, let that rider pick it up, ride to the customer and deliver, and sometimes review.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from pizza.demo.client import ApiError, PizzaApi
from pizza.demo.seed import PASSWORD, SeededWorld
from pizza.demo.shopping import build_cart, choose_restaurant
from pizza.demo.world import Customer, World


@dataclass
class Sessions:
    """Access tokens of the demo's actors, logged in once and shared by the stories."""

    api: PizzaApi
    tokens: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_(self, email: str) -> PizzaApi:
        with self.lock:
            token = self.tokens.get(email)
        if token is None:
            token = self.api.login(email, PASSWORD)
            with self.lock:
                self.tokens[email] = token
        return self.api.as_user(token)


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    return None


def put_riders_online(sessions: Sessions, world: World, seeded: SeededWorld, rng: random.Random) -> dict[str, str]:
    """Every demo rider goes online near their city centre; returns rider_id -> email."""
    riders: dict[str, str] = {}
    for city in world.cities:
        for email in seeded.riders.get(city.name, []):
            rider = sessions.as_(email)
            state = rider.rider_state()
            if state.get("status") == "offline" or state.get("position") is None:
                state = rider.rider_online(
                    city.lat + rng.uniform(-0.03, 0.03), city.lon + rng.uniform(-0.03, 0.03), city.name
                )
            riders[str(state["rider_id"])] = email
    return riders


def order_story(
    sessions: Sessions,
    customer: Customer,
    world: World,
    seeded: SeededWorld,
    riders: dict[str, str],
    rng: random.Random,
    step_timeout: float,
) -> str:
    """One order from cart to review; returns the order's final status as this story saw it."""
    local = [r for r in world.restaurants if r.city.name == customer.city.name]
    restaurant = choose_restaurant(customer, local, rng)
    cart = build_cart(customer, restaurant, rng)
    cart["restaurant_id"] = seeded.restaurants[restaurant.key]
    me = sessions.as_(seeded.customers[customer.key])
    order = me.place_order(cart)
    order_id = str(order["order_id"])

    def status_in(*wanted: str) -> str | None:
        current = str(me.order(order_id)["status"])
        return current if current in wanted else None

    paid = wait_for(lambda: status_in("PAID", "CANCELLED", "REFUNDED"), step_timeout)
    if paid != "PAID":
        return paid or "PENDING"
    staff = sessions.as_(seeded.staff[restaurant.key])
    staff.set_status(order_id, "ACCEPTED", estimated_ready_minutes=rng.randint(12, 25))
    time.sleep(rng.uniform(0.2, 0.8))
    staff.set_status(order_id, "PREPARING")
    time.sleep(rng.uniform(0.2, 0.8))
    staff.set_status(order_id, "READY")
    tracking = wait_for(lambda: me.call("GET", f"/orders/{order_id}/tracking").get("delivery"), step_timeout)
    if not tracking:
        return "READY"
    rider = sessions.as_(riders[str(tracking["rider_id"])])
    pickup, dropoff = tracking.get("pickup") or {}, tracking.get("dropoff") or {}
    if pickup:
        rider.rider_location(pickup["lat"], pickup["lon"])
    rider.set_status(order_id, "PICKED_UP")
    if pickup and dropoff:
        for step in range(1, 4):  # ride towards the customer
            f = step / 4
            rider.rider_location(
                pickup["lat"] + (dropoff["lat"] - pickup["lat"]) * f,
                pickup["lon"] + (dropoff["lon"] - pickup["lon"]) * f,
            )
            time.sleep(0.2)
        rider.rider_location(dropoff["lat"], dropoff["lon"])
    rider.set_status(order_id, "DELIVERED")
    if rng.random() < 0.4:
        rating = max(1, min(5, round(rng.gauss(4.2, 0.9))))
        me.review(order_id, rating, "Great pizza" if rating >= 4 else "Could be better")
    return "DELIVERED"


def run_live(
    api: PizzaApi,
    world: World,
    seeded: SeededWorld,
    *,
    orders: int,
    concurrency: int = 8,
    seed: int = 7,
    step_timeout: float = 60.0,
    progress: Callable[[str], None] = lambda _s: None,
) -> Counter[str]:
    rng = random.Random(seed)
    sessions = Sessions(api)
    riders = put_riders_online(sessions, world, seeded, rng)
    weights = [c.activity for c in world.customers]
    shoppers = rng.choices(world.customers, weights=weights, k=orders)
    outcomes: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [
            pool.submit(order_story, sessions, c, world, seeded, riders, random.Random(rng.random()), step_timeout)
            for c in shoppers
        ]
        for future in as_completed(futures):
            try:
                outcomes[future.result()] += 1
            except ApiError as exc:
                outcomes[f"error {exc.status}"] += 1
            progress(future.result() if future.exception() is None else "error")
    return outcomes
