"""Who may change a restaurant: administrators, and the staff of that very restaurant."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.lib.auth import CurrentUser
from api.lib.errors import ForbiddenError


def can_manage(user: Any, restaurant_id: uuid.UUID) -> bool:
    if not isinstance(user, CurrentUser):
        return False
    return user.is_admin or (user.role == "restaurant_staff" and user.restaurant_id == restaurant_id)


def require_restaurant_manager(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard for routes with a ``restaurant_id`` path parameter."""
    restaurant_id = connection.path_params.get("restaurant_id")
    if not isinstance(restaurant_id, uuid.UUID) or not can_manage(connection.user, restaurant_id):
        raise ForbiddenError("only this restaurant's staff or an administrator may change it")
