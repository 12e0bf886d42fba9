"""One serialization module: checked-in JSON Schemas match the contracts; bad bytes are reported, not raised raw."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pizza.contracts.cdc import RowChange, SourceInfo
from streaming import serialization
from streaming.serialization import MalformedMessage

pytestmark = pytest.mark.unit


def change() -> RowChange:
    return RowChange(
        op="u",
        before={"code": "PIZZA10"},
        after={"code": "PIZZA10", "uses": 3},
        pk={"code": "PIZZA10"},
        source=SourceInfo(
            db="pizza_catalog", shard="catalog", table="coupons", lsn=42, txid=7, ts_ms=1_700_000_000_000
        ),
    )


@pytest.mark.parametrize("prefix", sorted(serialization.TOPIC_SCHEMAS))
def test_checked_in_schema_matches_the_contract_model(prefix: str) -> None:
    model, _ = serialization.TOPIC_SCHEMAS[prefix]
    on_disk = json.loads(serialization.schema_file_for(prefix + "x").read_text())
    assert on_disk == serialization.generated_schema(model), (
        "contract changed: run `uv run python -m streaming.serialization`; bump the schema version if incompatible"
    )


def test_an_encoded_row_change_validates_against_the_topic_schema_and_round_trips() -> None:
    value = serialization.encode_row_change(change())
    jsonschema.validate(json.loads(value), serialization.schema_for("cdc.coupons"))
    assert json.loads(value)["source"]["schema"] == "public"  # field alias on the wire
    assert serialization.decode_row_change(value) == change()


def test_keys_are_canonical_so_equal_primary_keys_land_in_one_partition() -> None:
    assert serialization.encode_key({"b": 1, "a": "x"}) == serialization.encode_key({"a": "x", "b": 1})
    assert serialization.encode_key("order-1") == b"order-1"
    assert serialization.encode_key(None) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty value"),
        (b"", "empty value"),
        (b"{not json", "not a RowChange v1"),
        (b'{"op": "x", "pk": {}, "source": {}}', "not a RowChange v1: op"),
    ],
)
def test_undecodable_values_raise_malformed_with_a_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(MalformedMessage, match=reason):
        serialization.decode_row_change(value)


def test_unknown_topics_have_no_schema() -> None:
    with pytest.raises(KeyError):
        serialization.schema_file_for("payments.raw")
