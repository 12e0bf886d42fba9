from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from api.domain.notifications.repositories import Preferences
from api.domain.notifications.services import in_quiet_hours, validate_preferences

pytestmark = pytest.mark.unit


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 15, hour, minute, tzinfo=UTC)


def test_no_quiet_hours_means_never_quiet() -> None:
    assert not in_quiet_hours(Preferences(), at(3))


def test_a_window_within_one_day() -> None:
    prefs = Preferences(quiet_hours_start=time(13), quiet_hours_end=time(14))
    assert in_quiet_hours(prefs, at(13, 30))
    assert not in_quiet_hours(prefs, at(14))
    assert not in_quiet_hours(prefs, at(12, 59))


def test_a_window_across_midnight() -> None:
    prefs = Preferences(quiet_hours_start=time(22), quiet_hours_end=time(7))
    assert in_quiet_hours(prefs, at(23))
    assert in_quiet_hours(prefs, at(2))
    assert not in_quiet_hours(prefs, at(7))
    assert not in_quiet_hours(prefs, at(12))


def test_quiet_hours_are_in_the_users_time_zone() -> None:
    prefs = Preferences(quiet_hours_start=time(22), quiet_hours_end=time(7), timezone="Asia/Tokyo")  # UTC+9
    assert in_quiet_hours(prefs, at(14))  # 23:00 in Tokyo
    assert not in_quiet_hours(prefs, at(2))  # 11:00 in Tokyo


def test_valid_preferences_pass() -> None:
    validate_preferences(
        Preferences(("email", "sms"), time(22), time(7), "Europe/Berlin", muted_event_types=("OrderCreated",))
    )


@pytest.mark.parametrize(
    ("prefs", "message"),
    [
        (Preferences(("email", "email")), "once"),
        (Preferences(quiet_hours_start=time(22)), "both"),
        (Preferences(timezone="Mars/Olympus_Mons"), "time zone"),
        (Preferences(muted_event_types=("PizzaThrown",)), "PizzaThrown"),
    ],
)
def test_invalid_preferences_are_explained(prefs: Preferences, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_preferences(prefs)
