"""SQL of the accounts domain: the catalog's email directory and the per-shard users, tokens, addresses.

Every function takes the connection (and so the transaction) of its caller; the service decides
which database and which transaction boundaries.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import psycopg

from api.lib.sql import Row, fetch_all, fetch_one

USER_COLUMNS = "user_id, email, name, role, restaurant_id, phone, city, loyalty_points, created_at, disabled_at"
ADDRESS_COLUMNS = "address_id, label, line1, city, postcode, country, lat, lon, is_default, created_at"


# --- catalog: user_directory -------------------------------------------------------------------


async def claim_email(conn: psycopg.AsyncConnection, email: str, user_id: uuid.UUID) -> bool:
    """Reserve an email for a user; False when another account holds it."""
    row = await fetch_one(
        conn,
        "INSERT INTO user_directory (email, user_id) VALUES (%s, %s) ON CONFLICT (email) DO NOTHING RETURNING user_id",
        (email, user_id),
    )
    return row is not None


async def user_id_for_email(conn: psycopg.AsyncConnection, email: str) -> uuid.UUID | None:
    row = await fetch_one(conn, "SELECT user_id FROM user_directory WHERE email = %s", (email,))
    return row["user_id"] if row else None


# --- shard: users ------------------------------------------------------------------------------


async def insert_user(conn: psycopg.AsyncConnection, user: Row) -> Row:
    row = await fetch_one(
        conn,
        f"""INSERT INTO users (user_id, email, name, phone, password_hash, role, restaurant_id, city)
            VALUES (%(user_id)s, %(email)s, %(name)s, %(phone)s, %(password_hash)s, %(role)s,
                    %(restaurant_id)s, %(city)s)
            RETURNING {USER_COLUMNS}""",
        user,
    )
    assert row is not None
    return row


async def get_user(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> Row | None:
    return await fetch_one(conn, f"SELECT {USER_COLUMNS} FROM users WHERE user_id = %s", (user_id,))


async def get_credentials(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> Row | None:
    return await fetch_one(
        conn,
        "SELECT user_id, password_hash, role, restaurant_id, token_version, disabled_at FROM users WHERE user_id = %s",
        (user_id,),
    )


async def raise_token_version(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> Row | None:
    """End every access token issued before: they carry the old version."""
    return await fetch_one(
        conn,
        "UPDATE users SET token_version = token_version + 1, updated_at = now() WHERE user_id = %s"
        " RETURNING token_version, disabled_at",
        (user_id,),
    )


async def revoke_all_refresh_tokens(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> int:
    """Every live login of the user (log out everywhere, password change, disabling)."""
    cur = await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL", (user_id,)
    )
    return cur.rowcount


async def set_password_hash(conn: psycopg.AsyncConnection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute(
        "UPDATE users SET password_hash = %s, updated_at = now() WHERE user_id = %s", (password_hash, user_id)
    )


async def update_user(conn: psycopg.AsyncConnection, user_id: uuid.UUID, fields: Row) -> Row | None:
    if not fields:
        return await get_user(conn, user_id)
    assignments = ", ".join(f"{name} = %({name})s" for name in fields)
    return await fetch_one(
        conn,
        f"UPDATE users SET {assignments}, updated_at = now() WHERE user_id = %(user_id)s RETURNING {USER_COLUMNS}",
        {**fields, "user_id": user_id},
    )


# --- shard: refresh tokens ---------------------------------------------------------------------


async def insert_refresh_token(
    conn: psycopg.AsyncConnection,
    token_hash: str,
    family_id: uuid.UUID,
    user_id: uuid.UUID,
    expires_at: datetime,
    login_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at, login_at) VALUES (%s, %s, %s, %s, %s)",
        (token_hash, family_id, user_id, expires_at, login_at),
    )


async def use_refresh_token(
    conn: psycopg.AsyncConnection, token_hash: str, user_id: uuid.UUID, max_days: int
) -> Row | None:
    """Atomically mark a live token used (rotation); None if it is unknown, used, revoked, expired, or its
    login is older than ``max_days`` (the absolute session lifetime)."""
    return await fetch_one(
        conn,
        """UPDATE refresh_tokens SET used_at = now()
            WHERE token_hash = %s AND user_id = %s
              AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
              AND login_at > now() - make_interval(days => %s)
        RETURNING family_id, login_at""",
        (token_hash, user_id, max_days),
    )


async def get_refresh_token(conn: psycopg.AsyncConnection, token_hash: str, user_id: uuid.UUID) -> Row | None:
    return await fetch_one(
        conn,
        "SELECT family_id, used_at, revoked_at, expires_at FROM refresh_tokens WHERE token_hash = %s AND user_id = %s",
        (token_hash, user_id),
    )


async def revoke_family(conn: psycopg.AsyncConnection, family_id: uuid.UUID, user_id: uuid.UUID) -> int:
    cur = await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = %s AND user_id = %s AND revoked_at IS NULL",
        (family_id, user_id),
    )
    return cur.rowcount


# --- shard: password reset tokens (one live token per user; only its digest is stored) -------------


async def put_reset_token(conn: psycopg.AsyncConnection, user_id: uuid.UUID, token_hash: str, minutes: int) -> None:
    """Store the user's reset token, replacing an older one (whose link then stops working)."""
    await conn.execute(
        """INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)
           VALUES (%s, %s, now() + make_interval(mins => %s))
           ON CONFLICT (user_id) DO UPDATE
              SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at, created_at = now()""",
        (user_id, token_hash, minutes),
    )


async def reset_token_is_live(conn: psycopg.AsyncConnection, user_id: uuid.UUID, token_hash: str) -> bool:
    row = await fetch_one(
        conn,
        "SELECT 1 AS live FROM password_reset_tokens WHERE user_id = %s AND token_hash = %s AND expires_at > now()",
        (user_id, token_hash),
    )
    return row is not None


async def spend_reset_token(conn: psycopg.AsyncConnection, user_id: uuid.UUID, token_hash: str) -> bool:
    """Atomically use the token: True once for a live token, False if unknown, replaced, used or expired."""
    row = await fetch_one(
        conn,
        "DELETE FROM password_reset_tokens WHERE user_id = %s AND token_hash = %s AND expires_at > now()"
        " RETURNING user_id",
        (user_id, token_hash),
    )
    return row is not None


async def drop_reset_tokens(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    """A password set another way (changed, reset) ends any pending reset link."""
    await conn.execute("DELETE FROM password_reset_tokens WHERE user_id = %s", (user_id,))


# --- shard: addresses --------------------------------------------------------------------------


async def list_addresses(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> list[Row]:
    return await fetch_all(
        conn,
        f"SELECT {ADDRESS_COLUMNS} FROM user_addresses WHERE user_id = %s ORDER BY is_default DESC, created_at",
        (user_id,),
    )


async def count_addresses(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> int:
    row = await fetch_one(conn, "SELECT count(*) AS n FROM user_addresses WHERE user_id = %s", (user_id,))
    return int(row["n"]) if row else 0


async def get_address(conn: psycopg.AsyncConnection, user_id: uuid.UUID, address_id: uuid.UUID) -> Row | None:
    return await fetch_one(
        conn,
        f"SELECT {ADDRESS_COLUMNS} FROM user_addresses WHERE user_id = %s AND address_id = %s",
        (user_id, address_id),
    )


async def clear_default_address(conn: psycopg.AsyncConnection, user_id: uuid.UUID) -> None:
    await conn.execute("UPDATE user_addresses SET is_default = false WHERE user_id = %s AND is_default", (user_id,))


async def insert_address(conn: psycopg.AsyncConnection, address: Row) -> Row:
    row = await fetch_one(
        conn,
        f"""INSERT INTO user_addresses (address_id, user_id, label, line1, city, postcode, country, lat, lon,
                                        is_default)
            VALUES (%(address_id)s, %(user_id)s, %(label)s, %(line1)s, %(city)s, %(postcode)s, %(country)s,
                    %(lat)s, %(lon)s, %(is_default)s)
            RETURNING {ADDRESS_COLUMNS}""",
        address,
    )
    assert row is not None
    return row


async def update_address(
    conn: psycopg.AsyncConnection, user_id: uuid.UUID, address_id: uuid.UUID, fields: Row
) -> Row | None:
    if not fields:
        return await get_address(conn, user_id, address_id)
    assignments = ", ".join(f"{name} = %({name})s" for name in fields)
    return await fetch_one(
        conn,
        f"""UPDATE user_addresses SET {assignments}
             WHERE user_id = %(user_id)s AND address_id = %(address_id)s
         RETURNING {ADDRESS_COLUMNS}""",
        {**fields, "user_id": user_id, "address_id": address_id},
    )


async def delete_address(conn: psycopg.AsyncConnection, user_id: uuid.UUID, address_id: uuid.UUID) -> bool:
    cur = await conn.execute("DELETE FROM user_addresses WHERE user_id = %s AND address_id = %s", (user_id, address_id))
    return cur.rowcount > 0
