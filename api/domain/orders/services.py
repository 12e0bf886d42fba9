"""Ordering logic: quote a cart, place an order exactly once, move it along the state machine.

Writes follow the transactional outbox: the order rows, the status history and the domain event
are committed together on the user's shard, so an event exists if and only if the change does.
The restaurant-side projection in the catalog is written right after the shard commit (see
docs/orders.md for the trade-off); it is an index for staff, never the source of truth.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from pymongo.asynchronous.database import AsyncDatabase

from api.db import Databases
from api.domain.coupons import CouponContext, CouponService
from api.domain.orders import schemas
from api.domain.orders.idempotency import request_hash
from api.domain.orders.metrics import COUPONS, ORDERS_PLACED, PROJECTION_FAILURES, TRANSITIONS
from api.domain.orders.pagination import Position, parse_cursor
from api.domain.orders.partitioning import created_at_of, new_order_id
from api.domain.orders.pricing import (
    CartLine,
    Menu,
    PricedLine,
    PricingError,
    Totals,
    haversine_km,
    price_lines,
    subtotal,
    totals,
)
from api.domain.orders.pricing import delivery_fee as fee_for
from api.domain.orders.repositories import (
    NewOrder,
    OrderRepository,
    RestaurantOrders,
    Row,
    menu_document,
    restaurant_for_order,
)
from api.domain.orders.settings import OrderSettings
from api.domain.orders.states import (
    ETA_TRANSITIONS,
    Actor,
    IllegalTransition,
    TransitionNotAllowed,
    cancel_target,
    check_transition,
)
from api.lib.auth import CurrentUser
from api.lib.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from pizza.contracts.events import OrderCreated, OrderLine, OrderStatus, OrderStatusChanged
from pizza.logs import get_logger

log = get_logger(__name__)
RIDER_VISIBLE: frozenset[str] = frozenset({"READY", "PICKED_UP"})


@dataclass(frozen=True, slots=True)
class PricedCart:
    restaurant: Row
    lines: list[PricedLine]
    address: dict[str, Any]
    distance_km: float
    delivery_fee_cents: int


@dataclass(frozen=True, slots=True)
class StatusChangeResult:
    """What ``change_status_in_tx`` did; hand it to ``OrderService.project`` after the commit."""

    order: schemas.Order
    seq: int


def actor_of(user: CurrentUser) -> str:
    return f"{user.role}:{user.user_id}"


def _unprocessable(exc: PricingError) -> UnprocessableError:
    return UnprocessableError(str(exc), title="Cart cannot be ordered")


async def load_order(repo: OrderRepository, row: Row) -> schemas.Order:
    """The full order (items and status history) from its ``orders`` row."""
    items = await repo.items(row["order_id"], row["created_at"])
    history = await repo.history(row["order_id"])
    return schemas.Order(
        order_id=row["order_id"],
        user_id=row["user_id"],
        restaurant_id=row["restaurant_id"],
        status=row["status"],
        currency=row["currency"],
        subtotal_cents=row["subtotal_cents"],
        discount_cents=row["discount_cents"],
        delivery_fee_cents=row["delivery_fee_cents"],
        total_cents=row["total_cents"],
        city=row["city"],
        delivery_address=schemas.DeliveryAddress(**row["delivery_address"]),
        items=[
            schemas.PricedItem(
                line_no=i["line_no"], menu_item_id=i["menu_item_id"], name=i["name"], size=i["size"],
                toppings=list(i["toppings"]), quantity=i["quantity"], unit_price_cents=i["unit_price_cents"],
                line_total_cents=i["line_total_cents"],
            )
            for i in items
        ],
        history=[
            schemas.StatusEntry(seq=h["seq"], from_status=h["from_status"], to_status=h["to_status"],
                                changed_at=h["changed_at"], reason=h["reason"], changed_by=h["changed_by"])
            for h in history
        ],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        coupon_code=row["coupon_code"],
        estimated_ready_at=row["estimated_ready_at"],
    )  # fmt: skip


async def change_status_in_tx(
    conn: psycopg.AsyncConnection[Any],
    *,
    user_id: uuid.UUID,
    order_id: uuid.UUID,
    target: OrderStatus,
    actor: Actor,
    changed_by: str,
    reason: str | None = None,
    estimated_ready_minutes: int | None = None,
    restaurant_id: uuid.UUID | None = None,
) -> StatusChangeResult:
    """Move one order inside the caller's shard transaction: row lock, transition table, history, outbox.

    The payment saga calls this with ``actor="system"`` in the same transaction as its payment row.
    ``restaurant_id`` (for staff) makes an order of another restaurant look absent.
    """
    created_at = created_at_of(order_id)
    repo = OrderRepository(conn)
    row = await repo.get(order_id, created_at, for_update=True) if created_at else None
    if row is None or row["user_id"] != user_id or (restaurant_id and row["restaurant_id"] != restaurant_id):
        raise NotFoundError(f"there is no order {order_id}")
    try:
        check_transition(row["status"], target, actor)
    except IllegalTransition as exc:
        raise ConflictError(
            str(exc), title="Illegal status transition", extra={"current_status": row["status"]}
        ) from exc
    except TransitionNotAllowed as exc:
        raise ForbiddenError(str(exc)) from exc
    changed_at = datetime.now(UTC)
    estimated_ready_at = None
    if estimated_ready_minutes is not None:
        if (row["status"], target) not in ETA_TRANSITIONS:
            raise UnprocessableError("`estimated_ready_minutes` is given when accepting or starting to prepare")
        estimated_ready_at = changed_at + timedelta(minutes=estimated_ready_minutes)
    await repo.set_status(order_id, row["created_at"], target, estimated_ready_at, changed_at)
    seq = await repo.add_history(order_id, row["status"], target, changed_by, changed_at, reason)
    event = OrderStatusChanged(
        order_id=order_id,
        user_id=user_id,
        restaurant_id=row["restaurant_id"],
        from_status=row["status"],
        to_status=target,
        reason=reason,
        estimated_ready_at=estimated_ready_at,
        changed_at=changed_at,
    )
    await repo.add_outbox(event)
    TRANSITIONS.labels(target).inc()
    updated = await repo.get(order_id, row["created_at"])
    assert updated is not None
    return StatusChangeResult(await load_order(repo, updated), seq)


class OrderService:
    def __init__(
        self,
        db: Databases,
        mongo: AsyncDatabase[dict[str, Any]],
        coupons: CouponService,
        settings: OrderSettings,
    ) -> None:
        self.db, self.mongo, self.coupons, self.settings = db, mongo, coupons, settings

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
            return distance, fee_for(self.settings.delivery_policy(), distance, subtotal(lines))
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
            items=[_priced_item(line) for line in lines],
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
                    new = _new_order(
                        order_id, created_at, user, restaurant, result, redeemed, address, key, fingerprint
                    )
                    await repo.insert_order(new, lines)
                    await repo.add_first_history(order_id, "PENDING", actor_of(user), created_at)
                    await repo.add_outbox(_created_event(new, lines))
                    order = _placed_order(new, lines, actor_of(user))
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
    async def _owner(self, user: CurrentUser, order_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID | None]:
        """Whose shard holds the order, and the restaurant a staff member is limited to.

        Customers only ever reach their own shard; staff, riders and admins find the owner in the
        projection. Orders a caller may not see are reported as absent (404), never as forbidden.
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

    async def get(self, user: CurrentUser, order_id: uuid.UUID) -> schemas.Order:
        owner, restaurant_id = await self._owner(user, order_id)
        created_at = created_at_of(order_id)
        async with self.db.pool_for_user(owner).connection() as conn:
            repo = OrderRepository(conn)
            row = await repo.get(order_id, created_at) if created_at else None
            if row is None or row["user_id"] != owner or (restaurant_id and row["restaurant_id"] != restaurant_id):
                raise NotFoundError(f"there is no order {order_id}")
            return await load_order(repo, row)

    async def history(self, user: CurrentUser, cursor: str | None, limit: int) -> schemas.OrderPage:
        after = parse_cursor(cursor)
        async with self.db.pool_for_user(user.user_id).connection() as conn:
            rows = await OrderRepository(conn).page_for_user(user.user_id, after, limit + 1)
        return _page(rows, limit)

    async def restaurant_queue(
        self, user: CurrentUser, restaurant_id: uuid.UUID, statuses: list[OrderStatus] | None, cursor: str | None,
        limit: int,
    ) -> schemas.OrderPage:  # fmt: skip
        if not user.is_admin and user.restaurant_id != restaurant_id:
            raise ForbiddenError("staff see only the orders of their own restaurant")
        after = parse_cursor(cursor)
        async with self.db.catalog.connection() as conn:
            rows = await RestaurantOrders(conn).page(restaurant_id, statuses, after, limit + 1)
        return _page(rows, limit)

    # --- moving along the state machine -------------------------------------------------------------------------
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
        owner, restaurant_id = await self._owner(user, order_id)
        async with self.db.user_tx(owner) as conn:
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


def _priced_item(line: PricedLine) -> schemas.PricedItem:
    return schemas.PricedItem(
        line_no=line.line_no,
        menu_item_id=line.menu_item_id,
        name=line.name,
        size=line.size,
        toppings=list(line.toppings),
        quantity=line.quantity,
        unit_price_cents=line.unit_price_cents,
        line_total_cents=line.line_total_cents,
    )


def _new_order(
    order_id: uuid.UUID, created_at: datetime, user: CurrentUser, restaurant: Row, result: Totals,
    coupon_code: str | None, address: dict[str, Any], key: str, fingerprint: str,
) -> NewOrder:  # fmt: skip
    return NewOrder(
        order_id=order_id,
        created_at=created_at,
        user_id=user.user_id,
        restaurant_id=restaurant["restaurant_id"],
        currency=restaurant["currency"],
        subtotal_cents=result.subtotal_cents,
        discount_cents=result.discount_cents,
        delivery_fee_cents=result.delivery_fee_cents,
        total_cents=result.total_cents,
        coupon_code=coupon_code,
        city=restaurant["city"],
        delivery_address=address,
        idempotency_key=key,
        request_hash=fingerprint,
    )


def _placed_order(order: NewOrder, lines: list[PricedLine], changed_by: str) -> schemas.Order:
    """The order as just written, built from memory (no read-back inside the hot transaction)."""
    return schemas.Order(
        order_id=order.order_id,
        user_id=order.user_id,
        restaurant_id=order.restaurant_id,
        status="PENDING",
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        city=order.city,
        delivery_address=schemas.DeliveryAddress(**order.delivery_address),
        items=[_priced_item(line) for line in lines],
        history=[schemas.StatusEntry(seq=1, from_status=None, to_status="PENDING", changed_at=order.created_at,
                                     changed_by=changed_by)],
        created_at=order.created_at,
        updated_at=order.created_at,
        coupon_code=order.coupon_code,
    )  # fmt: skip


def _created_event(order: NewOrder, lines: list[PricedLine]) -> OrderCreated:
    return OrderCreated(
        order_id=order.order_id,
        user_id=order.user_id,
        restaurant_id=order.restaurant_id,
        city=order.city,
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        discount_cents=order.discount_cents,
        delivery_fee_cents=order.delivery_fee_cents,
        total_cents=order.total_cents,
        coupon_code=order.coupon_code,
        delivery_lat=order.delivery_address["lat"],
        delivery_lon=order.delivery_address["lon"],
        items=[
            OrderLine(menu_item_id=line.menu_item_id, name=line.name, size=line.size, quantity=line.quantity,
                      unit_price_cents=line.unit_price_cents)
            for line in lines
        ],
        created_at=order.created_at,
    )  # fmt: skip


def _page(rows: list[Row], limit: int) -> schemas.OrderPage:
    items = [
        schemas.OrderSummary(**{f: r[f] for f in schemas.OrderSummary.__struct_fields__ if f in r})
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    next_cursor = Position(items[-1].created_at, items[-1].order_id).encode() if more and items else None
    return schemas.OrderPage(items=items, next_cursor=next_cursor)
