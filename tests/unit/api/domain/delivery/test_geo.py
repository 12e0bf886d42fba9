"""Distances and ETAs."""

from __future__ import annotations

import pytest

from api.domain.delivery.geo import city_key, eta_minutes, haversine_km, remaining_legs, travel_minutes

pytestmark = pytest.mark.unit


def test_haversine_matches_known_distances() -> None:
    assert haversine_km(52.5200, 13.4050, 52.5200, 13.4050) == 0.0
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.19, abs=0.01)  # one degree of latitude
    assert haversine_km(52.5200, 13.4050, 48.1351, 11.5820) == pytest.approx(504.4, abs=1.0)  # Berlin - Munich
    assert haversine_km(40.7128, -74.0060, 51.5074, -0.1278) == pytest.approx(5570, abs=10)  # New York - London
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, abs=0.01)  # across the antimeridian


def test_eta_adds_every_leg_and_the_hand_over() -> None:
    assert travel_minutes(9.0, 18.0) == 30.0
    assert eta_minutes([1.5, 3.0], speed_kmh=18.0, handover_minutes=2.0) == 17.0
    assert eta_minutes([], speed_kmh=18.0, handover_minutes=2.0) == 2.0
    with pytest.raises(ValueError, match="speed"):
        travel_minutes(1.0, 0)


def test_city_keys_ignore_case_and_spacing() -> None:
    assert city_key("  New   York ") == city_key("new york") == "new-york"
    assert city_key("São Paulo") == "são-paulo"


def test_the_remaining_way_depends_on_the_delivery_status() -> None:
    rider, restaurant, customer = (52.5260, 13.4180), (52.5219, 13.4132), (52.5200, 13.4200)
    to_restaurant = haversine_km(*rider, *restaurant)
    on_to_customer = haversine_km(*restaurant, *customer)
    assert remaining_legs("ASSIGNED", *rider, restaurant, customer) == [to_restaurant, on_to_customer]
    assert remaining_legs("ASSIGNED", *rider, restaurant, None) == [to_restaurant]
    assert remaining_legs("PICKED_UP", *rider, restaurant, customer) == [haversine_km(*rider, *customer)]
    assert remaining_legs("PICKED_UP", *rider, restaurant, None) is None
    assert remaining_legs("DELIVERED", *rider, restaurant, customer) is None
