"""503 with problem details (RFC 9457) and ``Retry-After`` while a store the request needs is unreachable.

A restarting Postgres, Redis or MongoDB is not a bug of the request: the client should come back in a few
seconds and will then succeed (the pools replace dead connections, see ``pizza.db.connections``). So these
errors answer 503, never 500, and are logged as a warning without a stack trace. Retrying is safe for the
client: order placement is idempotent by its ``Idempotency-Key``, and status moves are checked transitions.
"""

from __future__ import annotations

from typing import Any

import psycopg
import redis.exceptions
from litestar import Request, Response
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.types import ExceptionHandlersMap
from prometheus_client import Counter
from pymongo.errors import ConnectionFailure

from pizza.logs import get_logger

log = get_logger(__name__)

PROBLEM_TYPE = "https://pizza-platform.dev/problems/store-unavailable"
RETRY_AFTER_S = 2
"""What a client is told to wait: about the time a restarted store takes to accept connections again."""

UNAVAILABLE = Counter("pizza_api_store_unavailable", "Requests answered 503 because a store was unreachable", ["store"])

STORE_ERRORS: dict[type[Exception], str] = {
    psycopg.OperationalError: "postgres",  # connection lost or refused, pool timeout (PoolTimeout), admin shutdown
    redis.exceptions.ConnectionError: "redis",
    redis.exceptions.TimeoutError: "redis",
    ConnectionFailure: "mongo",  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
}


def store_of(exc: Exception) -> str:
    return next((store for cls, store in STORE_ERRORS.items() if isinstance(exc, cls)), "unknown")


def store_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    store = store_of(exc)
    UNAVAILABLE.labels(store).inc()
    log.warning("store unavailable", store=store, path=request.url.path, method=request.method,
                error=f"{type(exc).__name__}: {str(exc)[:200]}")  # fmt: skip
    return ProblemDetailsException(
        status_code=503,
        type_=PROBLEM_TYPE,
        title="Service temporarily unavailable",
        detail=f"a data store ({store}) cannot be reached right now; retry in {RETRY_AFTER_S} s",
        headers={"Retry-After": str(RETRY_AFTER_S)},
        extra={"store": store},
    ).to_response(request)


def unavailable_handlers() -> ExceptionHandlersMap:
    """The handlers to merge into the app's ``exception_handlers`` (more specific than ``Exception``)."""
    return dict.fromkeys(STORE_ERRORS, store_unavailable_handler)  # type: ignore[arg-type]
