"""Put the demo world into the platform through the public API (admin, staff, riders, customers).

Re-running is safe: the ids the API returned are kept in ``<state>/demo/world.json`` and reused, and
accounts that already exist are logged into instead of created.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.synthetic.world import Customer, World, slug
from pizzactl.demo.client import PizzaApi

PASSWORD = "demo-password-123"  # noqa: S105 - demo accounts on a local stack
# Around the clock: with "23:59" as the end, each city's last minute of the day was closed, and live orders
# placed in it were refused (422) wherever that minute fell in the demo's run.
OPENING_HOURS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class SeededWorld:
    restaurants: dict[str, str] = field(default_factory=dict)  # world key -> restaurant_id
    staff: dict[str, str] = field(default_factory=dict)  # restaurant key -> staff email
    riders: dict[str, list[str]] = field(default_factory=dict)  # city -> rider emails
    customers: dict[str, str] = field(default_factory=dict)  # customer key -> email
    customer_ids: dict[str, str] = field(default_factory=dict)  # customer key -> user_id

    @classmethod
    def load(cls, path: Path) -> SeededWorld:
        return cls(**json.loads(path.read_text())) if path.exists() else cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, indent=1))


def seed_world(
    api: PizzaApi,
    admin_token: str,
    world: World,
    state_file: Path,
    *,
    riders_per_city: int = 4,
    concurrency: int = 8,
    progress: Callable[[str, int], None] = lambda _s, _n: None,
) -> SeededWorld:
    admin = api.as_user(admin_token)
    seeded = SeededWorld.load(state_file)
    for r in world.restaurants:
        if r.key not in seeded.restaurants:
            created = admin.create_restaurant(
                name=r.name,
                city=r.city.name,
                country=r.city.country,
                timezone=r.city.timezone,
                currency=r.city.currency,
                cuisine=r.cuisine,
                address=f"{r.key} Main Street, {r.city.name}",
                lat=r.lat,
                lon=r.lon,
                opening_hours=OPENING_HOURS,
            )
            seeded.restaurants[r.key] = str(created["restaurant_id"])
            seeded.save(state_file)
        email = f"staff.{r.key}@demo.pizza"
        if r.key not in seeded.staff:
            admin.create_user(
                email=email,
                password=PASSWORD,
                name=f"Staff {r.name}"[:100],
                role="restaurant_staff",
                restaurant_id=seeded.restaurants[r.key],
                city=r.city.name,
            )
            seeded.staff[r.key] = email
            staff = api.as_user(api.login(email, PASSWORD))
            staff.replace_menu(seeded.restaurants[r.key], r.menu)
            seeded.save(state_file)
        progress("restaurants", 1)
    for city in world.cities:
        emails = seeded.riders.setdefault(city.name, [])
        for i in range(len(emails), riders_per_city):
            email = f"rider.{slug(city.name)}.{i}@demo.pizza"
            admin.create_user(
                email=email, password=PASSWORD, name=f"Rider {i} {city.name}"[:100], role="rider", city=city.name
            )
            emails.append(email)
        seeded.save(state_file)
        progress("riders", 1)

    def sign_up(customer: Customer) -> tuple[str, str, str]:
        """One password hash per customer: the sign-up answers with the new id; log in only if it exists."""
        user_id = api.sign_up(customer.email, PASSWORD, customer.name, customer.city.name)
        if user_id is None:  # signed up by an earlier run that stopped before saving world.json
            token = api.login(customer.email, PASSWORD)
            user_id = str(api.as_user(token).call("GET", "/users/me")["user_id"])
        return customer.key, customer.email, user_id

    todo = [c for c in world.customers if c.key not in seeded.customer_ids]
    progress("customers", len(world.customers) - len(todo))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:  # password hashing dominates: use every worker
        for i, (key, email, user_id) in enumerate(pool.map(sign_up, todo), start=1):
            seeded.customers[key], seeded.customer_ids[key] = email, user_id
            if i % 50 == 0:
                seeded.save(state_file)
            progress("customers", 1)
    seeded.save(state_file)
    return seeded
