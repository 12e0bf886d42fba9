"""Live traffic: customers order now, kitchens cook, riders deliver — every step through the real API.

Each order is a small story run on a thread pool: place the order, wait for the saga to take the
payment, let the restaurant's staff accept, prepare and mark it ready, wait for the saga to assign
the nearest rider, let that rider pick it up, ride to the customer and deliver, ride back to their
hub (a restaurant of their city, where the next orders come from), and sometimes review.

Beside the stories an operator works the fraud review queue, as a real back office would: payments
the fraud rules held are approved, so those orders go on. Orders that fail on purpose (the simulated
gateway declines or times out amounts ending in its configured cents) end CANCELLED by the saga and
are reported as such.
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

from pipelines.synthetic.orders import choose_lines, choose_restaurant
from pipelines.synthetic.world import Customer, World
from pizza.logs import get_logger
from pizzactl.demo.client import ApiError, PizzaApi
from pizzactl.demo.seed import PASSWORD, SeededWorld
from pizzactl.demo.shopping import cart_body

log = get_logger(__name__)
EXPECTED_ENDS = ("DELIVERED", "CANCELLED", "REFUNDED")  # refused payments end CANCELLED on purpose


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


@dataclass(frozen=True)
class Rider:
    email: str
    hub: tuple[float, float]  # where the rider waits between deliveries


def put_riders_online(sessions: Sessions, world: World, seeded: SeededWorld, rng: random.Random) -> dict[str, Rider]:
    """Every demo rider goes online at a hub beside one of their city's restaurants (spread round-robin)."""
    riders: dict[str, Rider] = {}
    for city in world.cities:
        local = [r for r in world.restaurants if r.city.name == city.name]
        for i, email in enumerate(seeded.riders.get(city.name, [])):
            place = local[i % len(local)]
            hub = (place.lat + rng.uniform(-0.002, 0.002), place.lon + rng.uniform(-0.002, 0.002))
            rider = sessions.as_(email)
            state = rider.rider_state()
            if state.get("status") == "offline" or state.get("position") is None:
                state = rider.rider_online(hub[0], hub[1], city.name)
            elif state.get("status") == "available":
                rider.rider_location(*hub)  # back at the hub after an earlier run
            riders[str(state["rider_id"])] = Rider(email, hub)
    return riders


def final_outcome(order: dict[str, Any]) -> str:
    """``DELIVERED``, or a failed order's status with the reason the platform gave."""
    status = str(order["status"])
    if status == "DELIVERED":
        return status
    reasons = [str(h.get("reason")) for h in order.get("history", []) if h.get("reason")]
    return f"{status} ({reasons[-1]})" if reasons else status


class ReviewDesk:
    """The back office working the fraud review queue while the stories run: every held payment is approved."""

    def __init__(self, admin: PizzaApi, interval: float = 2.0) -> None:
        self.admin, self.interval = admin, interval
        self.approved = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="review-desk", daemon=True)

    def __enter__(self) -> ReviewDesk:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                held = self.admin.call("GET", "/admin/payments/reviews")
            except ApiError as exc:
                log.warning("review queue unavailable", error=str(exc))
                continue
            for payment in held:
                path = f"/admin/payments/{payment['payment_id']}/review"
                try:
                    self.admin.call("POST", path, json={"decision": "approve"})
                    self.approved += 1
                except ApiError as exc:  # 409: reviewed meanwhile; anything else is told and retried next round
                    if exc.status != 409:
                        log.warning("review failed", payment_id=payment["payment_id"], error=str(exc))


def order_story(
    sessions: Sessions,
    customer: Customer,
    world: World,
    seeded: SeededWorld,
    riders: dict[str, Rider],
    rng: random.Random,
    step_timeout: float,
) -> str:
    """One order from cart to review; returns the order's final status as this story saw it."""
    local = [r for r in world.restaurants if r.city.name == customer.city.name]
    restaurant = choose_restaurant(customer, local, rng)
    cart = cart_body(customer, seeded.restaurants[restaurant.key], choose_lines(customer, restaurant, rng))
    me = sessions.as_(seeded.customers[customer.key])
    order = me.place_order(cart)
    order_id = str(order["order_id"])

    def status_in(*wanted: str) -> str | None:
        current = str(me.order(order_id)["status"])
        return current if current in wanted else None

    paid = wait_for(lambda: status_in("PAID", "CANCELLED", "REFUNDED"), step_timeout)
    if paid != "PAID":
        return final_outcome(me.order(order_id)) if paid else "PENDING (no payment outcome in time)"
    staff = sessions.as_(seeded.staff[restaurant.key])
    staff.set_status(order_id, "ACCEPTED", estimated_ready_minutes=rng.randint(12, 25))
    time.sleep(rng.uniform(0.2, 0.8))
    staff.set_status(order_id, "PREPARING")
    time.sleep(rng.uniform(0.2, 0.8))
    staff.set_status(order_id, "READY")
    tracking = wait_for(lambda: me.call("GET", f"/orders/{order_id}/tracking").get("delivery"), step_timeout)
    if not tracking:
        return "READY (no rider in time)"
    assigned = riders[str(tracking["rider_id"])]
    rider = sessions.as_(assigned.email)
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
    rider.rider_location(*assigned.hub)  # back to the hub, where the saga may hand them a waiting order
    if rng.random() < 0.4:
        rating = max(1, min(5, round(rng.gauss(4.2, 0.9))))
        me.review(order_id, rating, "Great pizza" if rating >= 4 else "Could be better")
    return "DELIVERED"


def run_live(
    api: PizzaApi,
    admin_token: str,
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
    with ReviewDesk(api.as_user(admin_token)) as desk, ThreadPoolExecutor(max_workers=concurrency) as pool:
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
    if desk.approved:
        outcomes["of which held by the fraud rules and approved in review"] = desk.approved
    return outcomes
