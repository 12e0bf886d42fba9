"""Accounts and auth: sign-up, OAuth2 password login, refresh rotation, logout, profile, addresses."""

from api.domain.accounts.controllers import AddressController, AuthController, UserController
from api.domain.accounts.schemas import Address, User
from api.domain.accounts.services import AccountService
from api.lib.auth import Role

controllers = [AuthController, UserController, AddressController]
__all__ = ["AccountService", "Address", "Role", "User", "controllers"]
