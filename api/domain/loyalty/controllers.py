"""The signed-in user's loyalty balance and ledger."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import Provide
from litestar.params import Parameter

from api.domain.loyalty.deps import provide_loyalty_service
from api.domain.loyalty.schemas import LoyaltyAccount
from api.domain.loyalty.services import LoyaltyService
from api.lib.auth import CurrentUser


class LoyaltyController(Controller):
    path = "/users/me/loyalty"
    tags = ["loyalty"]
    dependencies = {"loyalty": Provide(provide_loyalty_service, sync_to_thread=False)}

    @get("", operation_id="GetMyLoyalty", summary="Your points balance and ledger, newest first")
    async def account(
        self,
        request: Request[CurrentUser, Any, Any],
        loyalty: LoyaltyService,
        cursor: Annotated[str | None, Parameter(max_length=200, description="next_cursor of the previous page")] = None,
    ) -> LoyaltyAccount:
        return await loyalty.account(request.user.user_id, cursor)
