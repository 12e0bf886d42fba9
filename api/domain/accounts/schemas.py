"""Request and response bodies of accounts and auth. Constraints live here, so bad input is a 400."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from api.lib.auth import Role  # one list of roles: the tokens, the guards and the accounts agree
from api.lib.validation import free_text, text

# No control characters, spaces or "@" in a part. Spelled out rather than \s, whose meaning differs between
# Python's re (the server: \x1c-\x1f, \x85) and ECMAScript (the schema's readers: \ufeff).
_NOT_IN_EMAIL = "@\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
EMAIL_PATTERN = rf"^[^{_NOT_IN_EMAIL}]+@[^{_NOT_IN_EMAIL}]+\.[^{_NOT_IN_EMAIL}]+$"
Email = Annotated[
    str,
    Meta(
        min_length=3,
        max_length=254,
        pattern=EMAIL_PATTERN,
        examples=["ada@example.com"],
    ),
]
# ASVS 2.1.1/2.1.2: at least 12 characters, at least 64 allowed, any character (passphrases welcome).
Password = Annotated[str, Meta(min_length=12, max_length=128, description="12 to 128 characters")]
Name = Annotated[str, text(100)]
Phone = Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 ()\-]{5,19}$", examples=["+49 30 1234567"])]
City = Annotated[str, text(100)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2", examples=["DE"])]


class SignUp(Struct, forbid_unknown_fields=True):
    """A customer's own sign-up; other roles are created by an administrator."""

    email: Email
    password: Password
    name: Name
    phone: Phone | None = None
    city: City | None = None


class UserCreate(Struct, forbid_unknown_fields=True):
    """An account created by an administrator: staff (bound to one restaurant), riders, support agents, admins."""

    email: Email
    password: Password
    name: Name
    role: Role
    restaurant_id: uuid.UUID | None = None
    phone: Phone | None = None
    city: City | None = None


class User(Struct):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    restaurant_id: uuid.UUID | None
    phone: str | None
    city: str | None
    loyalty_points: int
    created_at: datetime
    disabled_at: datetime | None = None  # set while an admin has disabled the account


class PasswordChange(Struct, forbid_unknown_fields=True):
    """The current password proves it is the account holder, not a stolen access token."""

    current_password: Annotated[str, Meta(min_length=1, max_length=128)]
    new_password: Password


class PasswordResetRequest(Struct, forbid_unknown_fields=True):
    """Ask for a reset link by e-mail; the answer is the same whether or not the account exists."""

    email: Email


class PasswordResetAccepted(Struct):
    status: Literal["accepted"]
    detail: str


class PasswordResetConfirm(Struct, forbid_unknown_fields=True):
    """The token from the e-mailed link and the new password (the sign-up rules); every login ends."""

    token: Annotated[str, Meta(pattern=r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$", description="as in the e-mailed link")]
    new_password: Password


class AccountControl(Struct, forbid_unknown_fields=True):
    """An administrator's change to an account; omitted fields stay. Each ends the user's older tokens."""

    role: Role | UnsetType = UNSET
    restaurant_id: uuid.UUID | UnsetType | None = UNSET
    disabled: bool | UnsetType = UNSET


class UserUpdate(Struct, forbid_unknown_fields=True):
    """Fields a user may change; omitted fields stay, ``null`` clears phone or city."""

    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    city: City | UnsetType | None = UNSET


class TokenRequest(Struct):
    """OAuth2 password grant (RFC 6749 section 4.3), form-encoded; ``username`` is the email."""

    username: Annotated[str, text(254)]
    password: Annotated[str, Meta(min_length=1, max_length=128)]
    grant_type: Literal["password"] = "password"
    scope: Annotated[str, free_text(200)] = ""


class RefreshRequest(Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, Meta(min_length=1, max_length=200)]


class TokenPair(Struct):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_expires_in: int


class AddressCreate(Struct, forbid_unknown_fields=True):
    label: Annotated[str, text(50, examples=["home"])]
    line1: Annotated[str, text(200)]
    city: City
    country: Country
    lat: Latitude
    lon: Longitude
    postcode: Annotated[str, text(20)] | None = None
    is_default: bool = False


class AddressUpdate(Struct, forbid_unknown_fields=True):
    label: Annotated[str, text(50)] | UnsetType = UNSET
    line1: Annotated[str, text(200)] | UnsetType = UNSET
    city: City | UnsetType = UNSET
    country: Country | UnsetType = UNSET
    lat: Latitude | UnsetType = UNSET
    lon: Longitude | UnsetType = UNSET
    postcode: Annotated[str, text(20)] | UnsetType | None = UNSET
    is_default: bool | UnsetType = UNSET


class Address(Struct):
    address_id: uuid.UUID
    label: str
    line1: str
    city: str
    postcode: str | None
    country: str
    lat: float
    lon: float
    is_default: bool
    created_at: datetime


def changes(update: Struct) -> dict[str, object]:
    """The fields a PATCH body set (``UNSET`` ones left out), in declaration order."""
    return {f: v for f in update.__struct_fields__ if (v := getattr(update, f)) is not msgspec.UNSET}
