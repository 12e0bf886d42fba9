from __future__ import annotations

import pytest

from api.domain.search.postgres import prefix_tsquery

pytestmark = pytest.mark.unit


def test_every_word_becomes_an_or_ed_prefix_term() -> None:
    assert prefix_tsquery("Cheesy  Pizza!") == "cheesy:* | pizza:*"


def test_operators_and_quotes_typed_by_users_never_reach_the_tsquery_syntax() -> None:
    assert prefix_tsquery("pizza & !(x) | 'y' <-> z:*") == "pizza:* | x:* | y:* | z:*"
    assert prefix_tsquery("!!! ---") is None


def test_non_latin_words_are_kept() -> None:
    assert prefix_tsquery("Пицца 披萨") == "пицца:* | 披萨:*"


def test_long_queries_are_cut_to_a_bounded_number_of_terms() -> None:
    assert prefix_tsquery(" ".join(f"w{i}" for i in range(20))).count("|") == 7  # type: ignore[union-attr]
