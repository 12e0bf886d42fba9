from __future__ import annotations

from typing import Any

import msgspec
import pytest

from api.domain.accounts.schemas import AddressCreate, AddressUpdate, SignUp, UserUpdate, changes

pytestmark = pytest.mark.unit
ADDRESS = {"label": "home", "line1": "Via Roma 1", "city": "Rome", "country": "IT", "lat": 41.9, "lon": 12.5}


def test_a_patch_body_reports_only_the_fields_it_sets_and_explicit_nulls() -> None:
    update = msgspec.json.decode(b'{"phone": null, "city": "Rome"}', type=UserUpdate)
    assert changes(update) == {"phone": None, "city": "Rome"}
    assert changes(msgspec.json.decode(b"{}", type=AddressUpdate)) == {}


@pytest.mark.parametrize(
    "change", [{"lat": -90.0001}, {"lat": 90.5}, {"lon": 180.01}, {"lon": -181}, {"country": "it"}, {"line1": " "}]
)
def test_addresses_outside_the_globe_or_badly_formed_are_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({**ADDRESS, **change}, AddressCreate)


@pytest.mark.parametrize(("lat", "lon"), [(-90, -180), (90, 180), (0, 0)])
def test_the_edges_of_the_globe_are_valid(lat: float, lon: float) -> None:
    assert msgspec.convert({**ADDRESS, "lat": lat, "lon": lon}, AddressCreate).lat == lat


def test_sign_up_refuses_unknown_fields_so_nobody_sets_their_own_role() -> None:
    with pytest.raises(msgspec.ValidationError, match="role"):
        msgspec.convert({"email": "a@b.co", "password": "long-enough-passphrase", "name": "A", "role": "admin"}, SignUp)
