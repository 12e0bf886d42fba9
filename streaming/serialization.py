"""The one place where streaming messages become bytes and back (JSON today).

Every topic family has a JSON Schema kept in ``streaming/schemas/`` and generated from the contract
models, so producers, consumers in other languages and a future schema registry agree on one shape.
Switching to Avro or Protobuf means changing this module only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pizza.contracts.cdc import RowChange
from pizza.contracts.events import EventEnvelope

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# topic prefix -> (contract model, schema file)
TOPIC_SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "cdc.": (RowChange, "row_change.v1.json"),
    "events.": (EventEnvelope, "event_envelope.v1.json"),
}

Headers = list[tuple[str, str | bytes | None]]


class MalformedMessage(ValueError):
    """A message that does not decode to its topic's contract; the reason goes to the dead-letter topic."""


def schema_file_for(topic: str) -> Path:
    for prefix, (_, file_name) in TOPIC_SCHEMAS.items():
        if topic.startswith(prefix):
            return SCHEMA_DIR / file_name
    raise KeyError(f"no schema registered for topic {topic!r}")


@cache
def schema_for(topic_prefix: str) -> dict[str, Any]:
    """The checked-in JSON Schema of a topic family (``cdc.`` or ``events.``)."""
    data: dict[str, Any] = json.loads(schema_file_for(topic_prefix).read_text())
    return data


def generated_schema(model: type[BaseModel]) -> dict[str, Any]:
    """What the schema file of ``model`` must contain; `tests` compare it with the checked-in file."""
    return model.model_json_schema(by_alias=True, mode="serialization")


def encode_key(key: dict[str, Any] | str | None) -> bytes | None:
    """Kafka key: a string as is; a primary key as canonical JSON (sorted), so equal keys hash alike."""
    if key is None:
        return None
    if isinstance(key, str):
        return key.encode()
    return canonical_json(key).encode()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def encode_row_change(change: RowChange) -> bytes:
    return change.model_dump_json(by_alias=True).encode()


def decode_row_change(value: bytes | None) -> RowChange:
    if not value:
        raise MalformedMessage("empty value")
    try:
        return RowChange.model_validate_json(value)
    except ValidationError as exc:
        raise MalformedMessage(f"not a RowChange v1: {_first_error(exc)}") from exc


def row_change_headers(change: RowChange) -> Headers:
    return [("schema_version", str(change.schema_version).encode()), ("shard", change.source.shard.encode())]


def encode_event(envelope: EventEnvelope) -> bytes:
    return envelope.model_dump_json().encode()


def decode_event(value: bytes | None) -> EventEnvelope:
    if not value:
        raise MalformedMessage("empty value")
    try:
        return EventEnvelope.model_validate_json(value)
    except ValidationError as exc:
        raise MalformedMessage(f"not an EventEnvelope: {_first_error(exc)}") from exc


def event_headers(envelope: EventEnvelope) -> Headers:
    headers: Headers = [
        ("event_type", envelope.event_type.encode()),
        ("schema_version", str(envelope.schema_version).encode()),
        ("event_id", str(envelope.event_id).encode()),
    ]
    return headers + [(name, value.encode()) for name, value in sorted(envelope.headers.items())]


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "value"
    return f"{where}: {error['msg']}"


def write_schemas() -> list[Path]:
    """Regenerate ``streaming/schemas/`` from the contract models (after a contract change)."""
    written = []
    for model, file_name in TOPIC_SCHEMAS.values():
        path = SCHEMA_DIR / file_name
        path.write_text(json.dumps(generated_schema(model), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        print(written_path)
