"""String constraints shared by the request schemas.

PostgreSQL text cannot hold NUL (0x00) characters, so every free-text input excludes them at the
schema: such input is a 400 problem naming the field, never a database error.
"""

from __future__ import annotations

from typing import Any

from msgspec import Meta

NO_NUL = r"^[^\x00]*$"
# Whitespace spelled out: the schema's patterns are ECMA-262 regular expressions, the server's Python ones,
# and ``\s`` differs between them (Python's takes \x1c-\x1f and \x85, ECMA's takes \ufeff). This class
# is the union, read the same by both, so the schema and the server agree on what is blank.
SPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = rf"^[^\x00]*[^{SPACE}\x00][^\x00]*$"  # at least one visible character, no NUL
HAS_WORD = r"^[^\x00]*\w[^\x00]*$"  # at least one letter or digit, no NUL


def text(max_length: int, *, min_length: int = 1, examples: list[Any] | None = None) -> Meta:
    """A visible, NUL-free string of bounded length."""
    return Meta(min_length=min_length, max_length=max_length, pattern=NOT_BLANK, examples=examples)


def free_text(max_length: int) -> Meta:
    """A NUL-free string that may be empty (descriptions)."""
    return Meta(max_length=max_length, pattern=NO_NUL)
