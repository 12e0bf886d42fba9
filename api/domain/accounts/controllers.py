"""HTTP surface of accounts: ``/auth/*``, ``/users/me``, ``/users/me/addresses``, admin ``/users``."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.security.jwt import Token

from api.domain.accounts.deps import provide_account_service, provide_erasure_service, provide_password_resets
from api.domain.accounts.password_reset import PasswordResets
from api.domain.accounts.schemas import (
    AccountControl,
    Address,
    AddressCreate,
    AddressUpdate,
    PasswordChange,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignUp,
    TokenPair,
    TokenRequest,
    User,
    UserCreate,
    UserUpdate,
)
from api.domain.accounts.services import AccountService
from api.domain.erasure import ErasureConfirmation, ErasureService
from api.lib.auth import CurrentUser, require_roles
from api.lib.client_address import counted_address

PUBLIC = {"exclude_from_auth": True}
ANONYMOUS: list[dict[str, list[str]]] = [{}]  # OpenAPI: no credentials needed
RESET_ACCEPTED = PasswordResetAccepted(
    status="accepted", detail="if an account has this e-mail address, a reset link is on its way"
)


def client_of(request: Request[Any, Any, Any]) -> str:
    """The client's address (behind a trusted proxy, the one it named: api.lib.client_address)."""
    return counted_address(request.client.host if request.client else None)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    dependencies = {"accounts": Provide(provide_account_service, sync_to_thread=False)}

    @post("/signup", operation_id="SignUp", summary="Create a customer account", opt=PUBLIC, security=ANONYMOUS)
    async def sign_up(self, accounts: AccountService, request: Request[Any, Any, Any], data: SignUp) -> User:
        return await accounts.sign_up(data, client_of(request))

    @post(
        "/password-reset",
        operation_id="RequestPasswordReset",
        summary="E-mail a one-time password-reset link; the same 202 whether or not the account exists",
        status_code=202,
        opt=PUBLIC,
        security=ANONYMOUS,
        dependencies={"resets": Provide(provide_password_resets, sync_to_thread=False)},
    )
    async def request_password_reset(
        self, resets: PasswordResets, request: Request[Any, Any, Any], data: PasswordResetRequest
    ) -> Response[PasswordResetAccepted]:
        email = await resets.request(data.email, client_of(request))
        return Response(RESET_ACCEPTED, status_code=202, background=BackgroundTask(resets.send_link, email))

    @post(
        "/password-reset/confirm",
        operation_id="ConfirmPasswordReset",
        summary="Set a new password with the e-mailed token; the token is spent and every login ends",
        status_code=204,
        opt=PUBLIC,
        security=ANONYMOUS,
        dependencies={"resets": Provide(provide_password_resets, sync_to_thread=False)},
    )
    async def confirm_password_reset(self, resets: PasswordResets, data: PasswordResetConfirm) -> Response[None]:
        user = await resets.confirm(data)
        return Response(None, status_code=204, background=BackgroundTask(resets.send_changed, user))

    @post(
        "/token",
        operation_id="CreateToken",
        summary="Log in (OAuth2 password grant): username = email; returns access and refresh tokens",
        status_code=200,
        opt=PUBLIC,
        security=ANONYMOUS,
    )
    async def token(
        self, accounts: AccountService, data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)]
    ) -> TokenPair:
        return await accounts.login(data.username, data.password)

    @post(
        "/refresh",
        operation_id="RefreshToken",
        summary="Rotate a refresh token into a new token pair; a reused refresh token revokes the session",
        status_code=200,
        opt=PUBLIC,
        security=ANONYMOUS,
    )
    async def refresh(self, accounts: AccountService, data: RefreshRequest) -> TokenPair:
        return await accounts.refresh(data.refresh_token)

    @post(
        "/logout",
        operation_id="Logout",
        summary="Revoke this login: its refresh tokens and its access tokens",
        status_code=204,
    )
    async def logout(self, accounts: AccountService, request: Request[CurrentUser, Token, Any]) -> None:
        token = request.auth
        family = (token.extras or {}).get("fam")
        family_id = uuid.UUID(family) if isinstance(family, str) else None
        expires_at = token.exp if token.exp.tzinfo else token.exp.replace(tzinfo=UTC)
        await accounts.logout(request.user, family_id, expires_at)

    @post(
        "/logout-everywhere",
        operation_id="LogoutEverywhere",
        summary="End every login of this account on every device, this one included",
        status_code=204,
    )
    async def logout_everywhere(self, accounts: AccountService, request: Request[CurrentUser, Token, Any]) -> None:
        await accounts.logout_everywhere(request.user)


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    dependencies = {"accounts": Provide(provide_account_service, sync_to_thread=False)}

    @get("/me", operation_id="GetMe", summary="The signed-in user's profile")
    async def get_me(self, accounts: AccountService, request: Request[CurrentUser, Token, Any]) -> User:
        return await accounts.get_user(request.user.user_id)

    @patch("/me", operation_id="UpdateMe", summary="Change name, phone or city")
    async def update_me(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], data: UserUpdate
    ) -> User:
        return await accounts.update_user(request.user.user_id, data)

    @post(
        "/",
        operation_id="CreateUser",
        summary="Create a staff, rider, support agent or admin account (administrators only)",
        guards=[require_roles("admin")],
    )
    async def create_user(self, accounts: AccountService, data: UserCreate) -> User:
        return await accounts.create_by_admin(data)

    @post(
        "/me/password",
        operation_id="ChangePassword",
        summary="Change the password (needs the current one); every login of the account ends",
        status_code=204,
    )
    async def change_password(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], data: PasswordChange
    ) -> None:
        await accounts.change_password(request.user, data)

    @patch(
        "/{user_id:uuid}",
        operation_id="ControlAccount",
        summary="Change a role or restaurant, disable or enable an account (administrators only)",
        guards=[require_roles("admin")],
    )
    async def control_account(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], user_id: uuid.UUID,
        data: AccountControl,
    ) -> User:  # fmt: skip
        return await accounts.control_account(user_id, data, request.user)

    @delete(
        "/me",
        operation_id="EraseMe",
        summary="Erase your account and personal data for good (needs the current password); orders stay, anonymous",
        dependencies={"erasure": Provide(provide_erasure_service, sync_to_thread=False)},
    )
    async def erase_me(
        self, erasure: ErasureService, request: Request[CurrentUser, Token, Any], data: ErasureConfirmation
    ) -> None:
        await erasure.erase_self(request.user, data.current_password)

    @delete(
        "/{user_id:uuid}",
        operation_id="EraseUser",
        summary="Erase an account and its personal data for good (administrators only); orders stay, anonymous",
        guards=[require_roles("admin")],
        dependencies={"erasure": Provide(provide_erasure_service, sync_to_thread=False)},
    )
    async def erase_user(
        self, erasure: ErasureService, request: Request[CurrentUser, Token, Any], user_id: uuid.UUID
    ) -> None:
        await erasure.erase_by_admin(user_id, request.user)


class AddressController(Controller):
    path = "/users/me/addresses"
    tags = ["users"]
    dependencies = {"accounts": Provide(provide_account_service, sync_to_thread=False)}

    @get("/", operation_id="ListAddresses", summary="Saved delivery addresses, default first")
    async def list_addresses(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any]
    ) -> list[Address]:
        return await accounts.list_addresses(request.user.user_id)

    @post("/", operation_id="CreateAddress", summary="Save a delivery address")
    async def create_address(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], data: AddressCreate
    ) -> Address:
        return await accounts.add_address(request.user.user_id, data)

    @get("/{address_id:uuid}", operation_id="GetAddress", summary="One saved address")
    async def get_address(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], address_id: uuid.UUID
    ) -> Address:
        return await accounts.get_address(request.user.user_id, address_id)

    @patch("/{address_id:uuid}", operation_id="UpdateAddress", summary="Change a saved address")
    async def update_address(
        self,
        accounts: AccountService,
        request: Request[CurrentUser, Token, Any],
        address_id: uuid.UUID,
        data: AddressUpdate,
    ) -> Address:
        return await accounts.update_address(request.user.user_id, address_id, data)

    @delete("/{address_id:uuid}", operation_id="DeleteAddress", summary="Delete a saved address")
    async def delete_address(
        self, accounts: AccountService, request: Request[CurrentUser, Token, Any], address_id: uuid.UUID
    ) -> None:
        await accounts.delete_address(request.user.user_id, address_id)
