"""Which identity a per-address budget counts."""

from __future__ import annotations

import pytest

from api.lib.client_address import counted_address


@pytest.mark.parametrize(
    ("host", "counted"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:7:1::1", "2001:db8:7:1::/64"),
        ("2001:db8:7:1:ffff:ffff:ffff:ffff", "2001:db8:7:1::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_ipv4_counts_itself_and_ipv6_its_slash_64(host: str | None, counted: str) -> None:
    assert counted_address(host) == counted
