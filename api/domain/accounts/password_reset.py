"""Password reset by an e-mailed one-time token.

``request``: the address's and the account's budgets are spent (unknown e-mails alike), and the answer
is the same 202 whoever asks; the lookup, the token and the e-mail happen after the answer has been
sent (``send_link``, a background task), so neither the answer nor its timing tells whether an account
exists. The token is ``<user id hex>.<256 random bits>`` (the prefix routes to the user's shard, like a
refresh token); only its SHA-256 is stored, one live token per user for ``password_reset_minutes``, and
a newer request replaces it. A token that is not (or no longer) valid is a 422, like any well-formed
input a rule refuses. ``confirm`` checks the token before hashing anything (a forged token costs
no Argon2), then in one transaction spends it, sets the password, raises the token version and revokes
every refresh token: every session ends, as after a password change. A password change ends a pending
link too.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from redis.asyncio import Redis

from api.db import Databases
from api.domain.accounts import repositories as repo
from api.domain.accounts.passwords import Passwords
from api.domain.accounts.reset_mail import ResetMailer
from api.domain.accounts.schemas import PasswordResetConfirm
from api.domain.accounts.services import normalise_email, routed_token_owner, token_digest
from api.domain.accounts.throttle import LoginThrottle, account_key
from api.lib.budgets import Budget
from api.lib.errors import TooManyRequestsError, UnprocessableError
from api.lib.sessions import publish_version
from api.lib.sql import Row
from api.settings import ApiSettings
from pizza.logs import get_logger

log = get_logger(__name__)
INVALID = "the reset link is not valid: it was used, replaced by a newer one, or has expired; ask for a new one"


def new_reset_token(user_id: uuid.UUID) -> str:
    return f"{user_id.hex}.{secrets.token_urlsafe(32)}"


def reset_token_owner(token: str) -> uuid.UUID:
    owner = routed_token_owner(token, min_secret_chars=40)
    if owner is None:
        raise UnprocessableError(INVALID, title="Invalid reset token")
    return owner


@dataclass
class PasswordResets:
    db: Databases
    redis: Redis
    settings: ApiSettings
    passwords: Passwords
    mailer: ResetMailer
    per_address: Budget | None = None
    per_account: Budget | None = None
    throttle: LoginThrottle | None = None  # the login failures a reset clears

    async def request(self, email: str, client: str) -> str:
        """Spend the budgets (the same for every e-mail, known or not); the normalised e-mail to mail."""
        email = normalise_email(email)
        if self.per_address is not None and (wait := await self.per_address.spend(client)):
            raise TooManyRequestsError(
                f"too many password-reset requests from this address; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        if self.per_account is not None and (wait := await self.per_account.spend(account_key(email))):
            raise TooManyRequestsError(
                f"too many reset e-mails for this account; retry in {wait} s", headers={"Retry-After": str(wait)}
            )
        return email

    async def send_link(self, email: str) -> None:
        """After the answer: a new token for an enabled account with this e-mail, and the mail with it."""
        try:
            async with self.db.catalog.connection() as conn:
                user_id = await repo.user_id_for_email(conn, email)
            if user_id is None:
                return
            token = new_reset_token(user_id)
            async with self.db.user_tx(user_id) as conn:
                user = await repo.get_user(conn, user_id)
                if user is None or user["disabled_at"] is not None:
                    return
                await repo.put_reset_token(conn, user_id, token_digest(token), self.settings.password_reset_minutes)
            await self.mailer.send_link(user["email"], user["name"], token)
            log.info("password reset link sent", user_id=str(user_id))
        except Exception as exc:  # noqa: BLE001 - the answer is gone: log, never raise into the server
            log.warning("password reset link not sent", error=f"{type(exc).__name__}: {str(exc)[:200]}")

    async def confirm(self, data: PasswordResetConfirm) -> Row:
        """Spend the token and set the password; every session of the account ends. The user's row."""
        user_id = reset_token_owner(data.token)
        digest = token_digest(data.token)
        async with self.db.pool_for_user(user_id).connection() as conn:
            if not await repo.reset_token_is_live(conn, user_id, digest):
                raise UnprocessableError(INVALID, title="Invalid reset token")
        new_hash = await self.passwords.hash(data.new_password)  # only for a live token
        async with self.db.user_tx(user_id) as conn:
            user = await repo.get_user(conn, user_id)
            if (
                user is None
                or user["disabled_at"] is not None
                or not await repo.spend_reset_token(conn, user_id, digest)
            ):
                raise UnprocessableError(INVALID, title="Invalid reset token")
            await repo.set_password_hash(conn, user_id, new_hash)
            version = await repo.raise_token_version(conn, user_id)
            await repo.revoke_all_refresh_tokens(conn, user_id)
        assert version is not None
        await publish_version(self.redis, user_id, int(version["token_version"]))
        if self.throttle is not None:
            await self.throttle.succeeded(user["email"])  # the mailbox's owner is back: failed guesses are cleared
        log.info("password reset: every session ended", user_id=str(user_id))
        return user

    async def send_changed(self, user: Row) -> None:
        """After the answer: tell the account's address that its password was reset."""
        try:
            await self.mailer.send_changed(user["email"], user["name"])
        except Exception as exc:  # noqa: BLE001 - the answer is gone: log, never raise into the server
            log.warning("password reset notice not sent", error=f"{type(exc).__name__}: {str(exc)[:200]}")
