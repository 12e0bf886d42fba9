"""Document the RFC 9457 problem responses in the OpenAPI schema of every operation.

Litestar documents only a generic JSON 400. Clients (and the schemathesis run in the test suite)
need to know which error statuses an operation can answer and that they are
``application/problem+json`` documents, so after all routes are registered every operation gets:
400 and 429 always; 401 on authenticated operations and on any write; 403 on authenticated
operations; 404 when the path names a resource; 409 and 422 on writes; 422 on reads whose query has a
rule the schema cannot say (a ``cursor`` this API must have issued, ``lat`` only with ``lon``). Statuses an operation
documents itself are kept.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import Components, OpenAPI, OpenAPIMediaType, OpenAPIResponse, Operation, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    title="ProblemDetails",
    description="RFC 9457 problem details",
    required=["type", "title", "status"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, description="URI of the problem type"),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "invalid_params": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(type=OpenAPIType.OBJECT, additional_properties=Schema()),
            description="the fields that failed validation (400 only)",
        ),
    },
    additional_properties=Schema(),
)
DESCRIPTIONS = {
    400: "Invalid request: validation failed (see invalid_params)",
    401: "Missing, invalid, expired or revoked credentials",
    403: "Authenticated but not allowed",
    404: "No such resource (or not yours)",
    409: "Conflicts with the current state",
    422: "Well-formed but cannot be processed",
    429: "Rate limit exceeded (see Retry-After and RateLimit-* headers)",
}
WRITES = {"post", "put", "patch", "delete"}
RULED_QUERY = {"cursor", "lat", "lon", "radius_km"}  # values the schema allows but a rule may refuse: 422


def problem_statuses(method: str, operation: Operation, has_path_params: bool) -> set[int]:
    authenticated = operation.security != [{}]
    statuses = {400, 429}
    if authenticated:
        statuses |= {401, 403}
    if method in WRITES:
        statuses |= {401, 409, 422}
    if has_path_params:
        statuses.add(404)
    if {getattr(p, "name", None) for p in operation.parameters or []} & RULED_QUERY:
        statuses.add(422)
    return statuses


def add_problem_responses(schema: OpenAPI) -> None:
    components = schema.components if isinstance(schema.components, Components) else Components()
    schema.components = components
    components.schemas["ProblemDetails"] = PROBLEM_SCHEMA
    reference = Reference(ref="#/components/schemas/ProblemDetails")
    for path, item in (schema.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if not isinstance(operation, Operation):
                continue
            responses = operation.responses if operation.responses is not None else {}
            operation.responses = responses
            for status in sorted(problem_statuses(method, operation, "{" in path)):
                existing = responses.get(str(status))
                generic_400 = status == 400 and isinstance(existing, OpenAPIResponse)
                if existing is None or generic_400:
                    responses[str(status)] = OpenAPIResponse(
                        description=DESCRIPTIONS[status],
                        content={PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=reference)},
                    )


def optional_body_operations(app: Litestar) -> set[str]:
    """Operation ids whose ``data`` has a default: the body may be left out (Litestar marks every body required)."""
    ids: set[str] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None and data.has_default and isinstance(handler.operation_id, str):
                ids.add(handler.operation_id)
    return ids


def relax_optional_bodies(schema: OpenAPI, operation_ids: set[str]) -> None:
    for item in (schema.paths or {}).values():
        for method in ("put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            body = getattr(operation, "request_body", None)
            if isinstance(operation, Operation) and operation.operation_id in operation_ids and body is not None:
                body.required = False


def document_problem_responses(app: Litestar) -> None:
    """Startup hook: routes are final, so the cached schema can be completed once per process."""
    add_problem_responses(app.openapi_schema)
    relax_optional_bodies(app.openapi_schema, optional_body_operations(app))
