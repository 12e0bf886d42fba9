"""Erase a user: destroy their data key first, then overwrite or remove their contact data everywhere.

The order matters. Destroying the key (a tombstone in the catalog) comes first, so from that commit on
the CDC relay publishes the user's contact fields as null, even the changes it has not read yet, and
every copy already published (Kafka, the raw lake, archives, backups) can no longer be opened. Then the
system of record is overwritten: the user row (placeholder e-mail, no name, phone or usable password;
disabled, tokens ended), saved addresses deleted, orders' delivery addresses replaced (the orders and
their amounts stay, keyed by the user id), the login directory entry and review signatures removed, and
the MongoDB documents that hold an address or the rendered name redacted. Each step is idempotent, so
an erasure interrupted half-way is finished by asking again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from api.db import Databases
from api.domain.erasure import repositories as repo
from api.domain.orders.states import ACTIVE_STATUSES
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError
from api.lib.sessions import DISABLED, publish_version
from pizza.logs import get_logger

log = get_logger(__name__)


class PasswordCheck(Protocol):
    async def verify(self, password_hash: str | None, password: str) -> bool: ...


@dataclass
class ErasureService:
    db: Databases
    redis: Redis
    mongo: AsyncDatabase[dict[str, Any]]
    passwords: PasswordCheck
    notification_collection: str = "notification_log"
    delivery_collection: str = "deliveries"

    async def erase_self(self, user: CurrentUser, current_password: str) -> None:
        """The caller's own account, after the password proves it is the account holder (403 if wrong)."""
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            account = await repo.get_account(conn, user.user_id)
        password_hash = account["password_hash"] if account else None
        if not await self.passwords.verify(password_hash, current_password) or account is None:
            raise ForbiddenError("the current password is wrong")
        await self._erase(user.user_id, account)
        log.info("account erased by its holder", user_id=str(user.user_id))

    async def erase_by_admin(self, user_id: uuid.UUID, admin: CurrentUser) -> None:
        """Any account but the admin's own (404 if there is none; erasing it again changes nothing)."""
        if user_id == admin.user_id:
            raise ConflictError("an administrator erases their own account with DELETE /users/me")
        async with self.db.pool_for_user(user_id).connection() as conn:
            account = await repo.get_account(conn, user_id)
        if account is None:
            raise NotFoundError("the user does not exist")
        await self._erase(user_id, account)
        log.info("account erased by an admin", user_id=str(user_id), admin_id=str(admin.user_id))

    async def _erase(self, user_id: uuid.UUID, account: dict[str, Any]) -> None:
        async with self.db.pool_for_user(user_id).connection() as conn:
            if await repo.has_orders_in(conn, user_id, ACTIVE_STATUSES):
                raise ConflictError("an order of this account is still under way; erase it once it has ended")
        async with self.db.catalog_tx() as catalog:
            await repo.destroy_data_key(catalog, user_id)
        async with self.db.user_tx(user_id) as conn:
            await repo.overwrite_user(conn, user_id)
            await repo.delete_addresses(conn, user_id)
            await repo.redact_orders(conn, user_id)
            await repo.revoke_sessions(conn, user_id)
        async with self.db.catalog_tx() as catalog:
            await repo.forget_directory_entry(catalog, user_id, account["email"])
            await repo.redact_reviews(catalog, user_id)
        await repo.redact_documents(
            self.mongo,
            user_id,
            notifications=self.notification_collection,
            deliveries=self.delivery_collection,
            at=datetime.now(UTC),
        )
        await publish_version(self.redis, user_id, DISABLED)  # every access token is refused from now on
