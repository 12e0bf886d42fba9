"""JWT bearer authentication (OAuth2 password flow) and role guards.

Access tokens are short-lived and carry the user's role (and restaurant for staff) so a request is
authorised without a database read. Refresh tokens are opaque, stored hashed on the user's shard,
rotated on use and revocable (see the accounts domain). A logged-out access token's ``jti`` is kept
in Redis until it would have expired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import OAuth2PasswordBearerAuth, Token
from redis.asyncio import Redis

from api.lib.errors import ForbiddenError

Role = Literal["customer", "restaurant_staff", "rider", "admin"]
ROLES: tuple[Role, ...] = ("customer", "restaurant_staff", "rider", "admin")
PUBLIC_PATHS = [
    "/schema",
    "/health",
    "/ready",
    "/metrics",
    "/auth/token",
    "/auth/signup",
    "/auth/refresh",
    "/restaurants",
    "/search",
]


@dataclass(frozen=True, slots=True)
class CurrentUser:
    user_id: uuid.UUID
    role: Role
    restaurant_id: uuid.UUID | None = None
    token_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def current_user_from_token(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    extras = token.extras or {}
    if extras.get("typ", "access") != "access":
        return None
    role = extras.get("role")
    if role not in ROLES:
        return None
    restaurant = extras.get("restaurant_id")
    return CurrentUser(
        user_id=uuid.UUID(token.sub),
        role=role,
        restaurant_id=uuid.UUID(restaurant) if restaurant else None,
        token_id=token.jti if isinstance(token.jti, str) else None,
    )


def revoked_key(jti: str) -> str:
    return f"pizza:auth:revoked:{jti}"


async def is_token_revoked(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    if not isinstance(token.jti, str):
        return False
    redis: Redis = connection.app.state.redis
    return bool(await redis.exists(revoked_key(token.jti)))


def build_auth(secret: str, algorithm: str, access_minutes: int) -> OAuth2PasswordBearerAuth[CurrentUser, Token]:
    from datetime import timedelta

    return OAuth2PasswordBearerAuth[CurrentUser, Token](
        retrieve_user_handler=current_user_from_token,
        revoked_token_handler=is_token_revoked,
        token_secret=secret,
        algorithm=algorithm,
        token_url="/auth/token",  # noqa: S106 - a path, not a secret
        default_token_expiration=timedelta(minutes=access_minutes),
        exclude=[*[f"^{p}" for p in PUBLIC_PATHS]],
        exclude_opt_key="exclude_from_auth",
    )


def require_roles(*roles: Role) -> Any:
    """A guard allowing only the given roles (admins always pass)."""

    def guard(connection: ASGIConnection[Any, CurrentUser, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.user
        if not isinstance(user, CurrentUser) or (user.role not in roles and not user.is_admin):
            raise ForbiddenError(f"this operation requires one of the roles: {', '.join(roles)}")

    return guard
