"""Riders over HTTP: online/offline, live locations into Redis GEO and the MongoDB history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pymongo
import pytest
import redis

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration


def test_a_rider_goes_online_reports_locations_and_goes_offline(
    http: httpx.Client, make_user: Callable[..., Any], stack: PlatformSettings, city: str
) -> None:
    rider = make_user("rider")
    assert http.get("/riders/me", headers=rider.headers).json()["status"] == "offline"
    refused = http.post("/riders/me/location", json={"lat": 52.52, "lon": 13.41}, headers=rider.headers)
    assert refused.status_code == 409  # locations only count while online

    online = http.post("/riders/me/online", json={"lat": 52.52, "lon": 13.41, "city": city}, headers=rider.headers)
    assert online.status_code == 200, online.text
    assert online.json()["status"] == "available"
    moved = http.post("/riders/me/location", json={"lat": 52.53, "lon": 13.42}, headers=rider.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["order_id"] is None

    me = http.get("/riders/me", headers=rider.headers).json()
    assert me["city"] == city
    assert (me["position"]["lat"], me["position"]["lon"]) == (52.53, 13.42)

    r = redis.Redis.from_url(stack.redis)
    key = f"pizza:delivery:{{{'-'.join(city.lower().split())}}}:available"
    [(lon, lat)] = r.geopos(key, str(rider.user_id))
    assert (round(lat, 4), round(lon, 4)) == (52.53, 13.42)  # the live position is what GEOSEARCH sees

    with pymongo.MongoClient(stack.mongo) as client:
        points = list(client[stack.mongo_database]["rider_locations"].find({"rider_id": str(rider.user_id)}))
    assert [p["location"] for p in points] == [{"type": "Point", "coordinates": [13.42, 52.53]}]
    assert points[0]["status"] == "available"

    offline = http.post("/riders/me/offline", headers=rider.headers)
    assert offline.status_code == 200
    assert offline.json()["status"] == "offline"
    assert r.geopos(key, str(rider.user_id)) == [None]


def test_a_rider_without_a_city_uses_the_profile_city(http: httpx.Client, make_user: Callable[..., Any]) -> None:
    rider = make_user("rider", city="Hamburg")
    response = http.post("/riders/me/online", json={"lat": 53.55, "lon": 9.99}, headers=rider.headers)
    assert response.status_code == 200, response.text
    assert response.json()["city"] == "Hamburg"
    http.post("/riders/me/offline", headers=rider.headers)


def test_rider_endpoints_reject_other_roles_and_bad_coordinates(
    http: httpx.Client, make_user: Callable[..., Any], customer: Any
) -> None:
    assert http.post("/riders/me/online", json={"lat": 1, "lon": 1}, headers=customer.headers).status_code == 403
    rider = make_user("rider")
    bad = http.post("/riders/me/online", json={"lat": 91, "lon": 0, "city": "X"}, headers=rider.headers)
    assert bad.status_code == 400
    assert http.get("/riders/me").status_code == 401
