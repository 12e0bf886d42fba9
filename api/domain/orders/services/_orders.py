"""``OrderService``: quote a cart, place an order exactly once, read orders, move them, keep the projection."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.coupons import CouponContext, CouponService
from api.domain.delivery import assigned_rider
from api.domain.orders import schemas
from api.domain.orders.idempotency import request_hash
from api.domain.orders.metrics import COUPONS, ORDERS_PLACED, PROJECTION_FAILURES
from api.domain.orders.pagination import parse_cursor
from api.domain.orders.partitioning import created_at_of, new_order_id
from api.domain.orders.pricing import (
    CartLine,
    Menu,
    PricedLine,
    PricingError,
    haversine_km,
    price_lines,
    subtotal,
    totals,
)
from api.domain.orders.pricing import delivery_fee as fee_for
from api.domain.orders.refund_caps import RefundCaps
from api.domain.orders.repositories import OrderRepository, RestaurantOrders, Row, menu_document, restaurant_for_order
from api.domain.orders.services._mapping import created_event, load_order, new_order, page, placed_order, priced_item
from api.domain.orders.services._staff_refunds import StaffRefunds
from api.domain.orders.services._transitions import actor_of, change_status_in_tx
from api.domain.orders.settings import OrderSettings
from api.domain.orders.states import Actor, IllegalTransition, cancel_target
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from pizza.contracts.events import OrderStatus
from pizza.logs import get_logger

log = get_logger(__name__)
RIDER_VISIBLE: frozenset[str] = frozenset({"READY", "PICKED_UP"})


def _unprocessable(exc: PricingError) -> UnprocessableError:
    return UnprocessableError(str(exc), title="Cart cannot be ordered")


class OrderService:
    def __init__(
        self,
        db: Databases,
        mongo: AsyncDatabase[dict[str, Any]],
        coupons: CouponService,
        settings: OrderSettings,
        refund_caps: RefundCaps | None = None,
    ) -> None:
        self.db, self.mongo, self.coupons, self.settings = db, mongo, coupons, settings
        self.refund_caps = refund_caps or RefundCaps()  # none given: every staff refund waits for an admin

    # --- pricing ----------------------------------------------------------------------------------------
    async def _price_items(self, cart: schemas.Cart) -> tuple[Row, list[PricedLine]]:
        """Restaurant checks and item prices: the catalog row and the MongoDB menu, read concurrently."""

        async def restaurant_row() -> Row | None:
            async with self.db.catalog.connection() as conn, conn.pipeline():  # BEGIN travels with the SELECT
                return await restaurant_for_order(conn, cart.restaurant_id)

        restaurant, document = await asyncio.gather(restaurant_row(), menu_document(self.mongo, cart.restaurant_id))
        if restaurant is None or not restaurant["is_active"]:
            raise UnprocessableError(f"there is no restaurant {cart.restaurant_id}", title="Unknown restaurant")
        if not restaurant["is_open"]:
            raise UnprocessableError(f"{restaurant['name']} is closed right now", title="Restaurant closed")
        if document is None:
            raise UnprocessableError(f"{restaurant['name']} has no menu yet", title="No menu")
        lines = [CartLine(i.menu_item_id, i.quantity, i.size, tuple(i.toppings)) for i in cart.items]
        try:
            return restaurant, price_lines(Menu.from_document(document), lines)
        except PricingError as exc:
            raise _unprocessable(exc) from exc

    async def _deliver_to(self, repo: OrderRepository, user: CurrentUser, cart: schemas.Cart) -> dict[str, Any]:
        if cart.address is not None:
            return {f: getattr(cart.address, f) for f in schemas.DeliveryAddress.__struct_fields__}
        assert cart.address_id is not None
        saved = await repo.saved_address(user.user_id, cart.address_id)
        if saved is None:
            raise UnprocessableError(f"you have no saved address {cart.address_id}", title="Unknown address")
        return {**saved, "notes": None}

    def _delivery(self, restaurant: Row, lines: list[PricedLine], address: dict[str, Any]) -> tuple[float, int]:
        distance = haversine_km(restaurant["lat"], restaurant["lon"], address["lat"], address["lon"])
        try:
            return distance, fee_for(self.settings.delivery_policy(), distance, subtotal(lines), restaurant["currency"])
        except PricingError as exc:
            raise _unprocessable(exc) from exc

    def _coupon_context(self, restaurant: Row, lines: list[PricedLine], is_first_order: bool) -> CouponContext:
        return CouponContext(
            subtotal_cents=subtotal(lines),
            currency=restaurant["currency"],
            city=restaurant["city"],
            now=datetime.now(UTC),
            is_first_order=is_first_order,
        )

    async def quote(self, user: CurrentUser, cart: schemas.Cart) -> schemas.Quote:
        restaurant, lines = await self._price_items(cart)
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            repo = OrderRepository(conn)
            address = await self._deliver_to(repo, user, cart)
            first = not await repo.has_orders(user.user_id) if cart.coupon_code else False
        distance, fee = self._delivery(restaurant, lines, address)
        code, discount = None, 0
        if cart.coupon_code:
            ctx = self._coupon_context(restaurant, lines, first)
            code, discount = await self.coupons.discount(cart.coupon_code, ctx)
        result = totals(subtotal(lines), discount, fee)
        return schemas.Quote(
            restaurant_id=cart.restaurant_id,
            currency=restaurant["currency"],
            items=[priced_item(line) for line in lines],
            subtotal_cents=result.subtotal_cents,
            discount_cents=result.discount_cents,
            delivery_fee_cents=result.delivery_fee_cents,
            total_cents=result.total_cents,
            distance_km=round(distance, 2),
            coupon_code=code,
        )

    # --- placing an order ---------------------------------------------------------------------------------
    async def create(self, user: CurrentUser, cart: schemas.Cart, key: str) -> tuple[schemas.Order, bool]:
        """Place the order once per (user, Idempotency-Key); returns (order, created_now).

        The cart is priced before the shard transaction, so the transaction holds its connection only
        for the key claim and the writes, and never waits for a catalog connection meanwhile (except
        to redeem a coupon). A retry whose cart no longer prices (menu or hours changed since) is
        still answered with the order placed the first time.
        """
        fingerprint = request_hash(cart)
        try:
            restaurant, lines = await self._price_items(cart)
        except UnprocessableError:
            async with self.db.pool_for_user(user.user_id).connection() as conn:
                earlier = await self._replay(OrderRepository(conn), user, key, fingerprint)
            if earlier is None:
                raise
            return await self._replayed(earlier)

        order_id, created_at = new_order_id()
        redeemed: str | None = None
        replay: schemas.Order | None = None
        try:
            # In pipeline mode BEGIN travels with the key claim and the inserts with COMMIT: two round trips.
            shard = self.db.pool_for_user(user.user_id)
            async with shard.connection() as conn, conn.pipeline(), conn.transaction():
                repo = OrderRepository(conn)
                if not await repo.claim_key(user.user_id, key, fingerprint, order_id):
                    # Taken by an earlier request, or by a concurrent twin whose commit this INSERT waited for.
                    replay = await self._replay(repo, user, key, fingerprint)
                    assert replay is not None, "a key that could not be claimed is committed"
                else:
                    address = await self._deliver_to(repo, user, cart)
                    _, fee = self._delivery(restaurant, lines, address)
                    discount = 0
                    if cart.coupon_code:
                        await repo.lock_user(user.user_id)
                        ctx = self._coupon_context(restaurant, lines, not await repo.has_orders(user.user_id))
                        redeemed, discount = await self.coupons.redeem(cart.coupon_code, order_id, user.user_id, ctx)
                    result = totals(subtotal(lines), discount, fee)
                    new = new_order(order_id, created_at, user, restaurant, result, redeemed, address, key, fingerprint)
                    await repo.insert_order(new, lines)
                    await repo.add_first_history(order_id, "PENDING", actor_of(user), created_at)
                    await repo.add_outbox(created_event(new, lines))
                    order = placed_order(new, lines, actor_of(user))
        except BaseException:
            if redeemed is not None:
                COUPONS.labels("released").inc()
                await self.coupons.release(redeemed, order_id)
            raise
        if replay is not None:
            return await self._replayed(replay)
        ORDERS_PLACED.labels("created").inc()
        if redeemed is not None:
            COUPONS.labels("redeemed").inc()
        log.info("order created", order_id=str(order_id), shard=self.db.shard_name(user.user_id))
        await self.project(order, 1)
        return order, True

    async def _replayed(self, order: schemas.Order) -> tuple[schemas.Order, bool]:
        ORDERS_PLACED.labels("replayed").inc()
        await self.project(order, len(order.history))  # heals a projection write lost after the first commit
        return order, False

    async def _replay(
        self, repo: OrderRepository, user: CurrentUser, key: str, fingerprint: str
    ) -> schemas.Order | None:
        """The order stored under the key if the request is the same one (None if the key is free); 422 otherwise."""
        holder = await repo.key_holder(user.user_id, key)
        if holder is None:
            return None
        if holder["request_hash"] != fingerprint:
            raise UnprocessableError(
                "this Idempotency-Key was already used for a different request; use a new key for a new order",
                title="Idempotency-Key reused",
                extra={"order_id": str(holder["order_id"])},
            )
        order_id: uuid.UUID = holder["order_id"]
        created_at = created_at_of(order_id)
        row = await repo.get(order_id, created_at) if created_at else None
        assert row is not None, "an idempotency key always commits with its order"
        return await load_order(repo, row)

    # --- the restaurant projection ---------------------------------------------------------------------------
    async def project(self, order: schemas.Order, seq: int) -> None:
        """Upsert the catalog projection. Never fails the request: the shard already committed."""
        row = {
            "order_id": order.order_id, "restaurant_id": order.restaurant_id, "user_id": order.user_id,
            "status": order.status, "status_seq": seq, "currency": order.currency,
            "total_cents": order.total_cents, "item_count": sum(i.quantity for i in order.items),
            "estimated_ready_at": order.estimated_ready_at, "created_at": order.created_at,
            "updated_at": order.updated_at,
        }  # fmt: skip
        try:
            # BEGIN, the upsert and COMMIT pipelined: the catalog connection is held for one round trip.
            async with self.db.catalog.connection() as conn, conn.pipeline(), conn.transaction():
                await RestaurantOrders(conn).upsert(row)
        except Exception:  # logged and counted; the event-fed reconciliation repairs the row
            PROJECTION_FAILURES.inc()
            log.exception("restaurant projection not updated", order_id=str(order.order_id), status=order.status)

    # --- reading --------------------------------------------------------------------------------------------------
    async def owner_of(self, user: CurrentUser, order_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID | None]:
        """Whose shard holds the order, and the restaurant a staff member is limited to.

        Customers only ever reach their own shard; staff, riders and admins find the owner in the
        projection. Orders a caller may not see are reported as absent (404), never as forbidden: a
        rider sees only READY or PICKED_UP orders assigned to them (checked by ``_check_rider``).
        """
        if user.role == "customer":
            return user.user_id, None
        async with self.db.catalog.connection() as conn:
            row = await RestaurantOrders(conn).get(order_id)
        if row is None:
            raise NotFoundError(f"there is no order {order_id}")
        if user.role == "restaurant_staff":
            if user.restaurant_id is None or row["restaurant_id"] != user.restaurant_id:
                raise NotFoundError(f"there is no order {order_id}")
            return row["user_id"], user.restaurant_id
        if user.role == "rider" and row["status"] not in RIDER_VISIBLE:
            raise NotFoundError(f"there is no order {order_id}")
        return row["user_id"], None

    @staticmethod
    async def _check_rider(conn: psycopg.AsyncConnection, user: CurrentUser, order_id: uuid.UUID) -> None:
        """A rider reaches only the orders assigned to them (the shard's delivery row); others get 404."""
        if user.role == "rider" and await assigned_rider(conn, order_id) != user.user_id:
            raise NotFoundError(f"there is no order {order_id}")

    async def get(self, user: CurrentUser, order_id: uuid.UUID) -> schemas.Order:
        owner, restaurant_id = await self.owner_of(user, order_id)
        created_at = created_at_of(order_id)
        async with self.db.pool_for_user(owner).connection() as conn:
            await self._check_rider(conn, user, order_id)
            repo = OrderRepository(conn)
            row = await repo.get(order_id, created_at) if created_at else None
            if row is None or row["user_id"] != owner or (restaurant_id and row["restaurant_id"] != restaurant_id):
                raise NotFoundError(f"there is no order {order_id}")
            return await load_order(repo, row)

    async def history(self, user: CurrentUser, cursor: str | None, limit: int) -> schemas.OrderPage:
        after = parse_cursor(cursor)
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            rows = await OrderRepository(conn).page_for_user(user.user_id, after, limit + 1)
        return page(rows, limit)

    async def restaurant_queue(
        self, user: CurrentUser, restaurant_id: uuid.UUID, statuses: list[OrderStatus] | None, cursor: str | None,
        limit: int,
    ) -> schemas.OrderPage:  # fmt: skip
        if not user.is_admin and user.restaurant_id != restaurant_id:
            raise ForbiddenError("staff see only the orders of their own restaurant")
        after = parse_cursor(cursor)
        async with self.db.catalog.connection() as conn:
            rows = await RestaurantOrders(conn).page(restaurant_id, statuses, after, limit + 1)
        return page(rows, limit)

    # --- moving along the state machine -------------------------------------------------------------------------
    async def move(
        self,
        user: CurrentUser,
        order_id: uuid.UUID,
        target: OrderStatus,
        *,
        reason: str | None = None,
        estimated_ready_minutes: int | None = None,
    ) -> schemas.Order | schemas.RefundRequest:
        """A move asked for over HTTP: a staff member's refund goes through the refund caps (and may be held)."""
        if target == "REFUNDED" and user.role == "restaurant_staff":
            return await StaffRefunds(self, self.refund_caps).request(user, order_id, reason, estimated_ready_minutes)
        return await self.change_status(
            user, order_id, target, reason=reason, estimated_ready_minutes=estimated_ready_minutes
        )

    async def change_status(
        self,
        user: CurrentUser,
        order_id: uuid.UUID,
        target: OrderStatus,
        *,
        actor: Actor | None = None,
        reason: str | None = None,
        estimated_ready_minutes: int | None = None,
    ) -> schemas.Order:
        if target == "REFUNDED" and user.role == "restaurant_staff":
            raise ForbiddenError("a staff refund goes through the refund caps")
        owner, restaurant_id = await self.owner_of(user, order_id)
        async with self.db.user_tx(owner) as conn:
            await self._check_rider(conn, user, order_id)
            result = await change_status_in_tx(
                conn,
                user_id=owner,
                order_id=order_id,
                target=target,
                actor=actor or user.role,
                changed_by=actor_of(user),
                reason=reason,
                estimated_ready_minutes=estimated_ready_minutes,
                restaurant_id=restaurant_id,
            )
        await self.project(result.order, result.seq)
        return result.order

    async def cancel(self, user: CurrentUser, order_id: uuid.UUID, reason: str | None) -> schemas.Order:
        """A customer calls off their order: CANCELLED before payment, REFUNDED after, never once accepted."""
        current = await self.get(user, order_id)
        try:
            target = cancel_target(current.status)
        except IllegalTransition as exc:
            raise ConflictError(
                f"an order in {current.status} can no longer be cancelled: the restaurant has accepted it",
                title="Too late to cancel",
                extra={"current_status": current.status},
            ) from exc
        return await self.change_status(user, order_id, target, reason=reason or "cancelled by the customer")
