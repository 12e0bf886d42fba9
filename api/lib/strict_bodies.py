"""JSON request bodies are checked strictly against their declared type, as the OpenAPI schema says.

Litestar converts a handler's ``data`` with msgspec's lax rules (``strict=False``), which exist for
query and path parameters (always strings) but also let a JSON body pass ``0``/``1`` for a boolean,
``"5"`` for an integer or ``"1.5"`` for a number. The schema documents ``boolean``/``integer``/
``number``, so such a body is a schema violation the server accepted. This request class converts
the decoded JSON body once more with ``strict=True`` before Litestar does: a body valid only under the
lax rules is refused with the usual 400 problem naming the field; anything else (valid, or invalid
in a way the lax pass also refuses) goes on unchanged to Litestar's own validation and messages.
Form bodies and parameters are not JSON and keep the lax rules.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

_AT = re.compile(r" - at `\$\.?(?P<key>[^`]*)`$")


def _json_numbers(value: Any) -> Any:
    """``1.0`` as ``1``: JSON Schema counts a number with a zero fraction as an ``integer``, and so do we."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    return value


def _strict_error(value: Any, annotation: Any) -> str | None:
    """The strict conversion's error when only the lax one succeeds, else ``None``."""
    try:
        msgspec.convert(_json_numbers(value), annotation, strict=True, str_keys=True)
    except msgspec.ValidationError as strict:
        try:
            msgspec.convert(value, annotation, strict=False, str_keys=True)
        except (msgspec.ValidationError, TypeError):
            return None  # Litestar's pass refuses it too, with its own message
        return str(strict)
    except TypeError:
        return None  # a type msgspec cannot convert on its own: left to Litestar's hooks
    return None


class StrictJsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body must match the handler's ``data`` type without lax coercions."""

    _strict_checked: bool = False

    async def json(self) -> Any:
        value = await super().json()
        if self._strict_checked:
            return value
        self._strict_checked = True
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        if data is None:
            return value
        error = _strict_error(value, data.annotation)
        if error is not None:
            match = _AT.search(error)
            message = error[: match.start()] if match else error
            key = match.group("key") if match else "data"
            raise ValidationException(
                detail=f"Validation failed for {self.method} {self.url.path}",
                extra=[{"message": message, "key": key or "data", "source": "body"}],
            )
        return value
