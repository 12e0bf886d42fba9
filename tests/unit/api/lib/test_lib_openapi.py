from __future__ import annotations

import pytest
from litestar.openapi.spec import (
    Components,
    Info,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    PathItem,
    Schema,
)

from api.lib.openapi import PROBLEM_MEDIA_TYPE, add_problem_responses, problem_statuses

pytestmark = pytest.mark.unit


def test_statuses_follow_authentication_method_and_path_parameters() -> None:
    public_read = Operation(security=[{}])
    private_read = Operation(security=None)
    assert problem_statuses("get", public_read, has_path_params=False) == {400, 429}
    assert problem_statuses("get", public_read, has_path_params=True) == {400, 404, 429}
    assert problem_statuses("get", private_read, has_path_params=False) == {400, 401, 403, 429}
    assert problem_statuses("post", public_read, has_path_params=False) == {400, 401, 409, 422, 429}


def test_problem_responses_are_added_and_the_generic_400_replaced_but_own_statuses_kept() -> None:
    generic_400 = OpenAPIResponse(description="generic", content={"application/json": OpenAPIMediaType(Schema())})
    own_404 = OpenAPIResponse(description="no such thing")
    operation = Operation(security=[{}], responses={"200": OpenAPIResponse("ok"), "400": generic_400, "404": own_404})
    paths = {"/things/{thing_id}": PathItem(get=operation)}
    schema = OpenAPI(info=Info(title="t", version="1"), servers=[], paths=paths, components=Components())

    add_problem_responses(schema)

    responses = operation.responses or {}
    assert sorted(responses) == ["200", "400", "404", "429"]
    assert responses["404"] is own_404
    for status in ("400", "429"):
        response = responses[status]
        assert isinstance(response, OpenAPIResponse)
        assert list(response.content or {}) == [PROBLEM_MEDIA_TYPE]
    assert "ProblemDetails" in (schema.components.schemas if isinstance(schema.components, Components) else {})
