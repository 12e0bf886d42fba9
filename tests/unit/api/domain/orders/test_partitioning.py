from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.domain.orders.partitioning import created_at_of, new_order_id

pytestmark = pytest.mark.unit


def test_the_order_id_encodes_its_creation_instant_to_the_millisecond() -> None:
    before = datetime.now(UTC)
    order_id, created_at = new_order_id()
    after = datetime.now(UTC)
    assert order_id.version == 7
    assert created_at_of(order_id) == created_at
    assert before - timedelta(milliseconds=1) <= created_at <= after
    assert created_at.microsecond % 1000 == 0


def test_a_known_uuid7_decodes_to_its_timestamp() -> None:
    # RFC 9562 appendix A.6 example: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F = 2022-02-22 19:22:22 UTC.
    assert created_at_of(uuid.UUID("017F22E2-79B0-7CC3-98C4-DC0C0C07398F")) == datetime(
        2022, 2, 22, 19, 22, 22, tzinfo=UTC
    )


def test_ids_that_are_not_uuid7_have_no_instant() -> None:
    assert created_at_of(uuid.uuid4()) is None
