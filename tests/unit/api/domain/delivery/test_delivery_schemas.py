"""Location frames and live messages: what riders may send and what customers receive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import pytest

from api.domain.delivery.schemas import LocationUpdate, RiderPositionMessage, StatusMessage

pytestmark = pytest.mark.unit


def test_location_frames_are_validated() -> None:
    assert msgspec.json.decode(b'{"lat": 52.5, "lon": 13.4}', type=LocationUpdate) == LocationUpdate(52.5, 13.4)
    for bad in (b'{"lat": 91, "lon": 0}', b'{"lat": 0, "lon": -181}', b'{"lat": 0}', b'{"lat": 0, "lon": 0, "x": 1}'):
        with pytest.raises(msgspec.ValidationError):
            msgspec.json.decode(bad, type=LocationUpdate)


def test_live_messages_carry_their_type() -> None:
    order_id, rider_id = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    status = msgspec.json.decode(msgspec.json.encode(StatusMessage(order_id=order_id, status="READY", changed_at=at)))
    assert status["type"] == "status"
    assert status["status"] == "READY"
    position = RiderPositionMessage(
        order_id=order_id, rider_id=rider_id, lat=1.0, lon=2.0, at=at, delivery_status="ASSIGNED", eta_minutes=4.5
    )
    decoded = msgspec.json.decode(msgspec.json.encode(position))
    assert (decoded["type"], decoded["rider_id"], decoded["eta_minutes"]) == ("rider_position", str(rider_id), 4.5)
