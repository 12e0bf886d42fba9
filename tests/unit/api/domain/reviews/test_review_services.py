"""Pure parts of the review service."""

from __future__ import annotations

import pytest

from api.domain.reviews.services import display_name

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("full", "shown"),
    [("Ada Lovelace", "Ada L."), ("Grace Brewster Hopper", "Grace H."), ("Cher", "Cher"), ("  ", None), (None, None)],
)
def test_reviews_show_a_first_name_and_an_initial(full: str | None, shown: str | None) -> None:
    assert display_name(full) == shown
