"""``restaurant_is_open(hours, tz, at)`` in the catalog: local time, overnight intervals, DST, midnight."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from pizza.config import PlatformSettings

pytestmark = pytest.mark.integration
LUNCH_AND_DINNER = {"mon": [["11:30", "14:30"], ["18:00", "23:00"]]}
LATE_NIGHT = {"fri": [["18:00", "02:00"]]}
ALL_DAY_SUNDAY = {"sun": [["00:00", "24:00"]]}


@pytest.mark.parametrize(
    ("hours", "tz", "at", "expected"),
    [
        # 2026-03-02 is a Monday. Rome is UTC+1 in winter.
        (LUNCH_AND_DINNER, "Europe/Rome", "2026-03-02 10:29:59+00", False),  # 11:29:59 local
        (LUNCH_AND_DINNER, "Europe/Rome", "2026-03-02 10:30:00+00", True),  # opens on the minute
        (LUNCH_AND_DINNER, "Europe/Rome", "2026-03-02 13:30:00+00", False),  # closes on the minute
        (LUNCH_AND_DINNER, "Europe/Rome", "2026-03-02 17:00:00+00", True),  # dinner
        (LUNCH_AND_DINNER, "Asia/Tokyo", "2026-03-02 17:00:00+00", False),  # 02:00 Tuesday in Tokyo
        (LUNCH_AND_DINNER, "America/New_York", "2026-03-02 17:00:00+00", True),  # 12:00 Monday in New York
        # Friday 18:00 to Saturday 02:00 in Lisbon (UTC+0 in winter).
        (LATE_NIGHT, "Europe/Lisbon", "2026-03-06 17:59:00+00", False),
        (LATE_NIGHT, "Europe/Lisbon", "2026-03-06 23:59:00+00", True),
        (LATE_NIGHT, "Europe/Lisbon", "2026-03-07 01:59:00+00", True),  # Saturday, from Friday's interval
        (LATE_NIGHT, "Europe/Lisbon", "2026-03-07 02:00:00+00", False),
        (LATE_NIGHT, "Europe/Lisbon", "2026-03-07 19:00:00+00", False),  # Saturday evening: no interval
        # Daylight saving: on 2026-03-29 Berlin moves to UTC+2; 11:30 local is 09:30 UTC after the switch.
        (LUNCH_AND_DINNER | {"sun": [["11:30", "14:30"]]}, "Europe/Berlin", "2026-03-29 09:30:00+00", True),
        (LUNCH_AND_DINNER | {"sun": [["11:30", "14:30"]]}, "Europe/Berlin", "2026-03-29 12:45:00+00", False),
        (ALL_DAY_SUNDAY, "UTC", "2026-03-08 00:00:00+00", True),
        (ALL_DAY_SUNDAY, "UTC", "2026-03-08 23:59:59+00", True),
        (ALL_DAY_SUNDAY, "UTC", "2026-03-09 00:00:00+00", False),
        ({}, "UTC", "2026-03-08 12:00:00+00", False),
    ],
)
def test_opening_hours_are_evaluated_in_the_restaurants_time_zone(
    stack: PlatformSettings, hours: dict[str, Any], tz: str, at: str, expected: bool
) -> None:
    with psycopg.connect(stack.catalog) as conn:
        row = conn.execute("SELECT restaurant_is_open(%s, %s, %s::timestamptz)", (Jsonb(hours), tz, at)).fetchone()
    assert row == (expected,)
