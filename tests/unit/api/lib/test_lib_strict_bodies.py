"""JSON bodies are held to their declared types: no 0/1 booleans, no numbers in strings; forms stay lax."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from litestar import Litestar, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.testing import TestClient

from api.lib.errors import problem_details_plugin
from api.lib.strict_bodies import StrictJsonRequest

pytestmark = pytest.mark.unit


class Item(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    available: bool = True
    quantity: int = 1
    price: float = 0.0


@post("/items", status_code=200)
async def create_item(data: Item) -> Item:
    return data


@post("/maybe", status_code=200)
async def maybe_item(data: Item | None = None) -> dict[str, bool]:
    return {"given": data is not None}


@post("/form", status_code=200)
async def form_item(data: Annotated[Item, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Item:
    return data


def client() -> TestClient[Litestar]:
    app = Litestar(
        [create_item, maybe_item, form_item], request_class=StrictJsonRequest, plugins=[problem_details_plugin()]
    )
    return TestClient(app)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"name": "a", "available": 0}, "available"),
        ({"name": "a", "available": "true"}, "available"),
        ({"name": "a", "quantity": "5"}, "quantity"),
        ({"name": "a", "price": "1.5"}, "price"),
    ],
)
def test_a_value_only_lax_rules_would_coerce_is_a_400_naming_the_field(body: dict[str, object], key: str) -> None:
    with client() as http:
        response = http.post("/items", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["invalid_params"] == [
        {"message": response.json()["invalid_params"][0]["message"], "key": key, "source": "body"}
    ]
    assert response.json()["invalid_params"][0]["message"].startswith("Expected `")


def test_valid_bodies_and_litestar_own_errors_are_unchanged() -> None:
    with client() as http:
        ok = http.post("/items", json={"name": "a", "available": False, "quantity": 2, "price": 3})
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"name": "a", "available": False, "quantity": 2, "price": 3.0}
        missing = http.post("/items", json={"available": True})
        assert missing.status_code == 400
        assert "`name`" in missing.json()["invalid_params"][0]["message"]  # Litestar's own message
        whole = http.post("/items", json={"name": "a", "quantity": 2.0})  # an integer to JSON Schema too
        assert whole.status_code == 200, whole.text
        assert whole.json()["quantity"] == 2
        assert http.post("/items", json={"name": "a", "quantity": 2.5}).status_code == 400
        assert http.post("/maybe").json() == {"given": False}
        assert http.post("/maybe", json={"name": "a", "available": 1}).status_code == 400


def test_form_bodies_keep_the_lax_rules_their_strings_need() -> None:
    with client() as http:
        response = http.post("/form", data={"name": "a", "quantity": "3", "available": "false"})
    assert response.status_code == 200, response.text
    assert response.json()["quantity"] == 3
