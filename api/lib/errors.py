"""RFC 9457 problem details for every error the API returns, including validation and crashes.

Domain code raises the small exception classes below; nothing else builds error responses.
"""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Request, Response
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from pizza.logs import get_logger

log = get_logger(__name__)
PROBLEM_BASE = "https://pizza-platform.dev/problems/"


class DomainError(ProblemDetailsException):
    """Base of the errors domain services raise; a subclass names its status, problem type and title once,
    in its class line: ``class GoneError(DomainError, status=410, problem="gone", title="Gone")``."""

    status: ClassVar[int] = 400
    problem: ClassVar[str] = "bad-request"
    default_title: ClassVar[str] = "Bad request"

    def __init_subclass__(
        cls, *, status: int | None = None, problem: str | None = None, title: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.status = cls.status if status is None else status
        cls.problem = cls.problem if problem is None else problem
        cls.default_title = cls.default_title if title is None else title

    def __init__(
        self,
        detail: str,
        *,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            detail=detail,
            status_code=self.status,
            type_=PROBLEM_BASE + self.problem,
            title=title or self.default_title,
            extra=extra,
            headers=headers,
        )


class BadRequestError(DomainError, status=400, problem="bad-request", title="Bad request"):
    """Input that passed type validation but makes no sense (an unknown time zone, a forged cursor)."""


class NotFoundError(DomainError, status=404, problem="not-found", title="Not found"):
    """Nothing by that name that this caller may see."""


class ForbiddenError(DomainError, status=403, problem="forbidden", title="Forbidden"):
    """A known caller whose role may not do this."""


class UnauthorizedError(DomainError, status=401, problem="unauthorized", title="Unauthorized"):
    """No valid credentials."""


class ConflictError(DomainError, status=409, problem="conflict", title="Conflict"):
    """Valid, but not in the resource's present state (a payment no longer in review)."""


class UnprocessableError(DomainError, status=422, problem="unprocessable", title="Unprocessable request"):
    """Well-formed input that the domain's rules refuse."""


class TooManyRequestsError(DomainError, status=429, problem="rate-limited", title="Too many requests"):
    """A rate limit was reached."""


class ServiceUnavailableError(DomainError, status=503, problem="unavailable", title="Service temporarily unavailable"):
    """The request cannot be served safely right now (a limiter cannot count, hashing is at capacity);
    send ``Retry-After``."""


def _validation_problem(exc: ValidationException) -> ProblemDetailsException:
    params = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else [])
    return ProblemDetailsException(
        status_code=400,
        type_=PROBLEM_BASE + "validation",
        title="Invalid request",
        detail=exc.detail or "the request did not pass validation",
        extra={"invalid_params": params},
    )


def _http_problem(exc: HTTPException) -> ProblemDetailsException:
    if exc.status_code >= 500:  # framework-raised server errors (e.g. an invalid dependency) are bugs: log them
        log.error("server error", status=exc.status_code, detail=exc.detail, exc_info=exc)
    extra = exc.extra if isinstance(exc.extra, dict) else ({"errors": exc.extra} if exc.extra else None)
    return ProblemDetailsException(
        status_code=exc.status_code,
        type_="about:blank",
        title=exc.detail,
        detail=exc.detail,
        extra=extra,
        headers=exc.headers,
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """Log the crash with the request id; answer a problem document that leaks nothing."""
    log.exception("unhandled error", path=request.url.path, method=request.method)
    return ProblemDetailsException(
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
        type_=PROBLEM_BASE + "internal",
        title="Internal server error",
        detail="an unexpected error occurred; it has been logged",
    ).to_response(request)


class DocumentedProblemDetailsPlugin(ProblemDetailsPlugin):
    """Problem details for every error, and the problem responses documented in the OpenAPI schema."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        from api.lib.openapi import document_problem_responses

        app_config = super().on_app_init(app_config)
        app_config.on_startup.append(document_problem_responses)
        return app_config


def problem_details_plugin() -> ProblemDetailsPlugin:
    return DocumentedProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={ValidationException: _validation_problem, HTTPException: _http_problem},
        )
    )
