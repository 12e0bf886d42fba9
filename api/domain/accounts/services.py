"""Accounts: sign-up, login with rotating refresh tokens, logout, profile, saved addresses.

Where users live: a user's row (profile, password hash, refresh tokens, addresses) is on the shard
the router names for the user id, next to the user's orders, so every per-user request touches one
shard. Login only knows an email, so the catalog keeps a thin directory ``email -> user_id``; it is
the single global uniqueness point for emails and the only cross-shard lookup (see docs/api.md).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from msgspec import UnsetType
from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts import repositories as repo
from api.domain.accounts.passwords import Passwords, hasher_for
from api.domain.accounts.schemas import (
    AccountControl,
    Address,
    AddressCreate,
    AddressUpdate,
    PasswordChange,
    SignUp,
    TokenPair,
    User,
    UserCreate,
    UserUpdate,
    changes,
)
from api.domain.accounts.throttle import LoginThrottle
from api.domain.restaurants import restaurant_exists
from api.lib.auth import CurrentUser, encode_access_token, revoked_family_key, revoked_key
from api.lib.budgets import Budget
from api.lib.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TooManyRequestsError,
    UnauthorizedError,
    UnprocessableError,
)
from api.lib.outbox import write_outbox
from api.lib.sessions import DISABLED, publish_version
from api.lib.sql import Row
from api.settings import ApiSettings
from pizza.contracts.events import UserRegistered
from pizza.ids import new_id
from pizza.logs import get_logger

log = get_logger(__name__)
MAX_ADDRESSES = 20


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token(user_id: uuid.UUID) -> str:
    """``<user id hex>.<256 random bits>``: the prefix routes the refresh to the user's shard."""
    return f"{user_id.hex}.{secrets.token_urlsafe(32)}"


def routed_token_owner(token: str, min_secret_chars: int) -> uuid.UUID | None:
    """The user a ``<user id hex>.<secret>`` token names (refresh and reset tokens), or None if malformed."""
    head, sep, tail = token.partition(".")
    if not sep or len(tail) < min_secret_chars:
        return None
    try:
        return uuid.UUID(hex=head)
    except ValueError:
        return None


def refresh_token_owner(token: str) -> uuid.UUID:
    owner = routed_token_owner(token, min_secret_chars=20)
    if owner is None:
        raise UnauthorizedError("the refresh token is not valid")
    return owner


@dataclass
class AccountService:
    db: Databases
    redis: Redis
    settings: ApiSettings
    throttle: LoginThrottle | None = None
    signups: Budget | None = None  # sign-ups per client address, spent before the password is hashed

    @property
    def passwords(self) -> Passwords:
        s = self.settings
        return hasher_for(
            s.password_hash_time_cost,
            s.password_hash_memory_kib,
            s.password_hash_parallelism,
            s.password_hash_slots,
            s.password_hash_queue,
        )

    # --- accounts ------------------------------------------------------------------------------

    async def sign_up(self, data: SignUp, client: str = "unknown") -> User:
        """A customer's own account; each address has an hourly budget, spent before any hashing."""
        if self.signups is not None and (wait := await self.signups.spend(client)):
            raise TooManyRequestsError(
                f"too many sign-ups from this address; retry in {wait} s", headers={"Retry-After": str(wait)}
            )
        return await self._create(data.email, data.password, data.name, "customer", None, data.phone, data.city)

    async def create_by_admin(self, data: UserCreate) -> User:
        await self._check_role(data.role, data.restaurant_id)
        return await self._create(
            data.email, data.password, data.name, data.role, data.restaurant_id, data.phone, data.city
        )

    async def _create(
        self,
        email: str,
        password: str,
        name: str,
        role: str,
        restaurant_id: uuid.UUID | None,
        phone: str | None,
        city: str | None,
    ) -> User:
        """Write the user on its shard and claim the email in the catalog.

        The shard transaction stays open while the catalog claim commits, so a taken email rolls the
        shard row back; the claim is the commit point of a sign-up.
        """
        user_id = new_id()
        email = normalise_email(email)
        row = {
            "user_id": user_id,
            "email": email,
            "name": name.strip(),
            "phone": phone,
            "password_hash": await self.passwords.hash(password),
            "role": role,
            "restaurant_id": restaurant_id,
            "city": city,
        }
        try:
            async with self.db.user_tx(user_id) as conn:
                created = await repo.insert_user(conn, row)
                await write_outbox(
                    conn,
                    UserRegistered(user_id=user_id, role=role, city=city, registered_at=created["created_at"]),
                )
                async with self.db.catalog_tx() as catalog:
                    if not await repo.claim_email(catalog, email, user_id):
                        raise ConflictError("an account with this email already exists")
        except psycopg.errors.UniqueViolation:
            raise ConflictError("an account with this email already exists") from None
        log.info("user created", user_id=str(user_id), role=role, shard=self.db.shard_name(user_id))
        return User(**created)

    async def get_user(self, user_id: uuid.UUID) -> User:
        async with self.db.pool_for_user(user_id).connection() as conn:
            row = await repo.get_user(conn, user_id)
        if row is None:
            raise NotFoundError("the user does not exist")
        return User(**row)

    async def update_user(self, user_id: uuid.UUID, data: UserUpdate) -> User:
        fields: dict[str, Any] = changes(data)
        if isinstance(fields.get("name"), str):
            fields["name"] = fields["name"].strip()
        async with self.db.user_tx(user_id) as conn:
            row = await repo.update_user(conn, user_id, fields)
        if row is None:
            raise NotFoundError("the user does not exist")
        return User(**row)

    # --- tokens --------------------------------------------------------------------------------

    async def login(self, email: str, password: str) -> TokenPair:
        invalid = UnauthorizedError("wrong email or password", headers={"WWW-Authenticate": "Bearer"})
        email = normalise_email(email)
        if self.throttle is not None and (wait := await self.throttle.retry_after(email)):
            raise TooManyRequestsError(
                f"too many failed logins for this account; retry in {wait} s", headers={"Retry-After": str(wait)}
            )
        async with self.db.catalog.connection() as conn:
            user_id = await repo.user_id_for_email(conn, email)
        credentials = None
        if user_id is not None:
            async with self.db.pool_for_user(user_id).connection() as conn:
                credentials = await repo.get_credentials(conn, user_id)
        password_hash = credentials["password_hash"] if credentials else None
        if not await self.passwords.verify(password_hash, password) or credentials is None or user_id is None:
            if self.throttle is not None:
                await self.throttle.failed(email)
            raise invalid
        if self.throttle is not None:
            await self.throttle.succeeded(email)
        if credentials["disabled_at"] is not None:
            raise UnauthorizedError("this account is disabled", headers={"WWW-Authenticate": "Bearer"})
        if self.passwords.needs_rehash(credentials["password_hash"]):
            async with self.db.user_tx(user_id) as conn:
                await repo.set_password_hash(conn, user_id, await self.passwords.hash(password))
        return await self._issue(user_id, credentials, family_id=new_id())

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token is spent and a new pair issued in the same family.

        Presenting a spent token again means it was copied: the whole family (that login, on every
        device it was refreshed to) is revoked, and its access tokens stop working at once.
        """
        user_id = refresh_token_owner(refresh_token)
        digest = token_digest(refresh_token)
        reused_family: uuid.UUID | None = None
        async with self.db.user_tx(user_id) as conn:
            used = await repo.use_refresh_token(conn, digest, user_id, self.settings.session_max_days)
            if used is None:
                known = await repo.get_refresh_token(conn, digest, user_id)
                if known is not None and known["used_at"] is not None and known["revoked_at"] is None:
                    await repo.revoke_family(conn, known["family_id"], user_id)
                    reused_family = known["family_id"]
            credentials = await repo.get_credentials(conn, user_id) if used else None
        if reused_family is not None:
            await self._revoke_family_tokens(reused_family)
            log.warning("refresh token reuse: family revoked", user_id=str(user_id), family_id=str(reused_family))
            raise UnauthorizedError("this refresh token was already used; the session has been revoked")
        if used is None or credentials is None:
            raise UnauthorizedError("the refresh token is not valid, expired or revoked")
        if credentials["disabled_at"] is not None:
            raise UnauthorizedError("this account is disabled")
        return await self._issue(user_id, credentials, used["family_id"], login_at=used["login_at"])

    async def logout(self, user: CurrentUser, family_id: uuid.UUID | None, access_expires_at: datetime) -> None:
        """Revoke this login's refresh family and its access tokens, and the presented access token."""
        if family_id is not None:
            async with self.db.user_tx(user.user_id) as conn:
                await repo.revoke_family(conn, family_id, user.user_id)
            await self._revoke_family_tokens(family_id)
        if user.token_id:
            ttl = max(int((access_expires_at - datetime.now(UTC)).total_seconds()), 1)
            await self.redis.set(revoked_key(user.token_id), b"1", ex=ttl)

    async def _revoke_family_tokens(self, family_id: uuid.UUID) -> None:
        # Access tokens of the family live at most this long; no new one can be issued after revocation.
        ttl = self.settings.access_token_minutes * 60
        await self.redis.set(revoked_family_key(str(family_id)), b"1", ex=ttl)

    # --- account control: each ends the tokens issued before (api.lib.sessions) -------------------

    async def change_password(self, user: CurrentUser, data: PasswordChange) -> None:
        """New password; every login of the account ends, this one included (log in again)."""
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            credentials = await repo.get_credentials(conn, user.user_id)
        if credentials is None or not await self.passwords.verify(credentials["password_hash"], data.current_password):
            raise ForbiddenError("the current password is wrong")
        new_hash = await self.passwords.hash(data.new_password)
        async with self.db.user_tx(user.user_id) as conn:
            await repo.set_password_hash(conn, user.user_id, new_hash)
            await repo.drop_reset_tokens(conn, user.user_id)  # a pending reset link ends with the old password
            state = await self._end_sessions(conn, user.user_id, refresh_tokens=True)
        await publish_version(self.redis, user.user_id, state)
        log.info("password changed: every session ended", user_id=str(user.user_id))

    async def logout_everywhere(self, user: CurrentUser) -> None:
        async with self.db.user_tx(user.user_id) as conn:
            state = await self._end_sessions(conn, user.user_id, refresh_tokens=True)
        await publish_version(self.redis, user.user_id, state)
        log.info("logged out everywhere", user_id=str(user.user_id))

    async def control_account(self, user_id: uuid.UUID, data: AccountControl, admin: CurrentUser) -> User:
        """An admin changes a role or restaurant, or disables or enables the account.

        A role change keeps the user's logins: the next refresh issues a token with the new role.
        Disabling ends them: login and refresh are refused until the account is enabled again.
        """
        if user_id == admin.user_id and data.disabled is True:
            raise ConflictError("an administrator cannot disable their own account")
        async with self.db.user_tx(user_id) as conn:
            current = await repo.get_user(conn, user_id)
            if current is None:
                raise NotFoundError("the user does not exist")
            role = current["role"] if isinstance(data.role, UnsetType) else data.role
            if not isinstance(data.restaurant_id, UnsetType):
                restaurant_id = data.restaurant_id
            elif role != "restaurant_staff":
                restaurant_id = None  # leaving the kitchen leaves its restaurant
            else:
                restaurant_id = current["restaurant_id"]
            await self._check_role(role, restaurant_id)
            fields: dict[str, Any] = {}
            if role != current["role"]:
                fields["role"] = role
            if restaurant_id != current["restaurant_id"]:
                fields["restaurant_id"] = restaurant_id
            disabling = data.disabled is True and current["disabled_at"] is None
            enabling = data.disabled is False and current["disabled_at"] is not None
            if disabling:
                fields["disabled_at"] = datetime.now(UTC)
            if enabling:
                fields["disabled_at"] = None
            if not fields:
                return User(**current)
            row = await repo.update_user(conn, user_id, fields)
            state = await self._end_sessions(conn, user_id, refresh_tokens=disabling)
        await publish_version(self.redis, user_id, state)
        log.info("account changed by an admin", user_id=str(user_id), admin_id=str(admin.user_id),
                 changed=sorted(fields))  # fmt: skip
        assert row is not None
        return User(**row)

    async def _check_role(self, role: str, restaurant_id: uuid.UUID | None) -> None:
        if role == "restaurant_staff":
            if restaurant_id is None:
                raise UnprocessableError("restaurant_staff accounts need a restaurant_id")
            if not await restaurant_exists(self.db, restaurant_id):
                raise UnprocessableError(f"restaurant {restaurant_id} does not exist")
        elif restaurant_id is not None:
            raise UnprocessableError("only restaurant_staff accounts belong to a restaurant")

    @staticmethod
    async def _end_sessions(conn: Any, user_id: uuid.UUID, *, refresh_tokens: bool) -> int:
        """Raise the token version (in the caller's transaction); the version to publish after commit."""
        row = await repo.raise_token_version(conn, user_id)
        if row is None:
            raise NotFoundError("the user does not exist")
        if refresh_tokens:
            await repo.revoke_all_refresh_tokens(conn, user_id)
        return DISABLED if row["disabled_at"] is not None else int(row["token_version"])

    async def _issue(
        self, user_id: uuid.UUID, credentials: Row, family_id: uuid.UUID, login_at: datetime | None = None
    ) -> TokenPair:
        """A new pair; a refresh token never outlives its login's absolute lifetime (``session_max_days``)."""
        access = encode_access_token(
            user_id=user_id,
            role=credentials["role"],
            restaurant_id=credentials["restaurant_id"],
            family_id=family_id,
            version=int(credentials["token_version"]),
            secret=self.settings.jwt_secret.get_secret_value(),
            algorithm=self.settings.jwt_algorithm,
            minutes=self.settings.access_token_minutes,
        )
        refresh = new_refresh_token(user_id)
        now = datetime.now(UTC)
        login_at = login_at or now
        expires_at = min(
            now + timedelta(days=self.settings.refresh_token_days),
            login_at + timedelta(days=self.settings.session_max_days),
        )
        refresh_ttl = expires_at - now
        async with self.db.user_tx(user_id) as conn:
            await repo.insert_refresh_token(conn, token_digest(refresh), family_id, user_id, expires_at, login_at)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh,
            token_type="bearer",  # noqa: S106 - the OAuth2 token type, not a secret
            expires_in=self.settings.access_token_minutes * 60,
            refresh_expires_in=max(int(refresh_ttl.total_seconds()), 0),
        )

    # --- addresses -----------------------------------------------------------------------------

    async def list_addresses(self, user_id: uuid.UUID) -> list[Address]:
        async with self.db.pool_for_user(user_id).connection() as conn:
            return [Address(**row) for row in await repo.list_addresses(conn, user_id)]

    async def get_address(self, user_id: uuid.UUID, address_id: uuid.UUID) -> Address:
        """One saved address of the user; 404 for another user's address (never reveal it exists)."""
        async with self.db.pool_for_user(user_id).connection() as conn:
            row = await repo.get_address(conn, user_id, address_id)
        if row is None:
            raise NotFoundError("no such address")
        return Address(**row)

    async def add_address(self, user_id: uuid.UUID, data: AddressCreate) -> Address:
        async with self.db.user_tx(user_id) as conn:
            if await repo.count_addresses(conn, user_id) >= MAX_ADDRESSES:
                raise ConflictError(f"at most {MAX_ADDRESSES} saved addresses; delete one first")
            if data.is_default:
                await repo.clear_default_address(conn, user_id)
            row = await repo.insert_address(
                conn,
                {
                    "address_id": new_id(),
                    "user_id": user_id,
                    "label": data.label,
                    "line1": data.line1,
                    "city": data.city,
                    "postcode": data.postcode,
                    "country": data.country,
                    "lat": data.lat,
                    "lon": data.lon,
                    "is_default": data.is_default,
                },
            )
        return Address(**row)

    async def update_address(self, user_id: uuid.UUID, address_id: uuid.UUID, data: AddressUpdate) -> Address:
        fields = changes(data)
        async with self.db.user_tx(user_id) as conn:
            if fields.get("is_default") is True:
                await repo.clear_default_address(conn, user_id)
            row = await repo.update_address(conn, user_id, address_id, fields)
            if row is None:
                raise NotFoundError("no such address")
        return Address(**row)

    async def delete_address(self, user_id: uuid.UUID, address_id: uuid.UUID) -> None:
        async with self.db.user_tx(user_id) as conn:
            if not await repo.delete_address(conn, user_id, address_id):
                raise NotFoundError("no such address")
