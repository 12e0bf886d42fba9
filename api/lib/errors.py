"""RFC 9457 problem details for every error the API returns, including validation and crashes.

Domain code raises the small exception classes below; nothing else builds error responses.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.config.app import AppConfig
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from pizza.logs import get_logger

log = get_logger(__name__)
PROBLEM_BASE = "https://pizza-platform.dev/problems/"


class DomainError(ProblemDetailsException):
    """Base of the errors domain services raise; subclasses fix status and problem type."""

    status: int = 400
    problem: str = "bad-request"
    default_title: str = "Bad request"

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


class BadRequestError(DomainError):
    """Input that passed type validation but makes no sense (an unknown time zone, a forged cursor)."""

    status, problem, default_title = 400, "bad-request", "Bad request"


class NotFoundError(DomainError):
    status, problem, default_title = 404, "not-found", "Not found"


class ForbiddenError(DomainError):
    status, problem, default_title = 403, "forbidden", "Forbidden"


class UnauthorizedError(DomainError):
    status, problem, default_title = 401, "unauthorized", "Unauthorized"


class ConflictError(DomainError):
    status, problem, default_title = 409, "conflict", "Conflict"


class UnprocessableError(DomainError):
    status, problem, default_title = 422, "unprocessable", "Unprocessable request"


class TooManyRequestsError(DomainError):
    status, problem, default_title = 429, "rate-limited", "Too many requests"


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
