"""JWT bearer authentication (OAuth2 password flow) and role guards.

Access tokens are short-lived and carry the user's role (and restaurant for staff) and the account's
token version. Each request checks, in one Redis round trip, that the token was not logged out (its
``jti`` or its login's family) and that its version is still the account's (``api.lib.sessions``): a
role change, a disabled account or a password change ends every older token at once. Refresh tokens
are opaque, stored hashed on the user's shard, rotated on use and revocable (see the accounts domain).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import OAuth2PasswordBearerAuth, Token
from redis.asyncio import Redis

from api.lib.errors import ForbiddenError
from api.lib.sessions import current_version, version_key

Role = Literal["customer", "restaurant_staff", "rider", "agent", "admin"]  # agent: customer support staff
ROLES: tuple[Role, ...] = get_args(Role)
# Paths open to anonymous callers whatever the method. Read-only public endpoints that share a path
# with protected writes (``GET /restaurants`` vs ``POST /restaurants``) are opened per handler with
# ``opt={"exclude_from_auth": True}`` instead, so a prefix never opens a write by accident.
PUBLIC_PATHS = [
    "/schema",
    "/health",
    "/ready",
    "/metrics",
    "/auth/token",
    "/auth/signup",
    "/auth/refresh",
]
PUBLIC_PATTERNS = ["^/schema(/|$)", *[f"^{p}$" for p in PUBLIC_PATHS if p != "/schema"]]


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


def revoked_family_key(family_id: str) -> str:
    """Set when a login's refresh family is revoked: every access token of that login stops working."""
    return f"pizza:auth:revoked-family:{family_id}"


async def is_token_revoked(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Logged out (its ``jti`` or its login's family), or issued under an older account version."""
    extras = token.extras or {}
    keys = []
    if isinstance(token.jti, str):
        keys.append(revoked_key(token.jti))
    family = extras.get("fam")
    if isinstance(family, str):
        keys.append(revoked_family_key(family))
    try:
        user_id = uuid.UUID(token.sub)
    except ValueError:
        return True
    redis: Redis = connection.app.state.redis
    async with redis.pipeline(transaction=False) as pipe:
        if keys:
            pipe.exists(*keys)
        pipe.get(version_key(user_id))
        answers = await pipe.execute()
    if keys and answers[0]:
        return True
    version = await current_version(redis, connection.app.state.db, user_id, answers[-1])
    return bool(extras.get("ver", 0) != version)


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    jti: str
    expires_at: datetime


def encode_access_token(
    *,
    user_id: uuid.UUID,
    role: Role,
    restaurant_id: uuid.UUID | None,
    family_id: uuid.UUID,
    version: int,
    secret: str,
    algorithm: str,
    minutes: int,
) -> IssuedAccessToken:
    """A signed access token: the claims a request is authorised by, and the account version they hold for."""
    jti = uuid.uuid4().hex
    expires_at = datetime.now(UTC) + timedelta(minutes=minutes)
    extras: dict[str, Any] = {"typ": "access", "role": role, "fam": str(family_id), "ver": version}
    if restaurant_id is not None:
        extras["restaurant_id"] = str(restaurant_id)
    token = Token(exp=expires_at, sub=str(user_id), jti=jti, extras=extras).encode(secret, algorithm)
    return IssuedAccessToken(token=token, jti=jti, expires_at=expires_at)


class BearerAuth(OAuth2PasswordBearerAuth[CurrentUser, Token]):
    """OAuth2 bearer auth whose middleware runs *inside* the request-id, metrics and logging middleware.

    Litestar puts the auth middleware first; moving it last means a rejected token is still logged,
    counted and answered with an ``X-Request-ID``, and middleware added after it (the rate limiter)
    sees the authenticated user.
    """

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config = super().on_app_init(app_config)
        app_config.middleware.append(app_config.middleware.pop(0))
        return app_config


def build_auth(secret: str, algorithm: str, access_minutes: int) -> BearerAuth:
    return BearerAuth(
        retrieve_user_handler=current_user_from_token,
        revoked_token_handler=is_token_revoked,
        token_secret=secret,
        algorithm=algorithm,
        token_url="/auth/token",  # noqa: S106 - a path, not a secret
        default_token_expiration=timedelta(minutes=access_minutes),
        exclude=PUBLIC_PATTERNS,
        exclude_opt_key="exclude_from_auth",
    )


def require_roles(*roles: Role) -> Any:
    """A guard allowing only the given roles (admins always pass)."""

    def guard(connection: ASGIConnection[Any, CurrentUser, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.user
        if not isinstance(user, CurrentUser) or (user.role not in roles and not user.is_admin):
            raise ForbiddenError(f"this operation requires one of the roles: {', '.join(roles)}")

    return guard
