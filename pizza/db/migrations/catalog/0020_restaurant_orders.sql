-- The restaurant side of orders, kept in the catalog so that a restaurant's queue is one indexed read
-- instead of a fan-out over every user shard; and the coupon redemption ledger that makes usage
-- limits atomic. See docs/orders.md (consistency) and docs/indexes.md (every index below).
-- depends: 0002_restaurants

CREATE TABLE IF NOT EXISTS restaurant_orders (
    order_id            uuid PRIMARY KEY,
    restaurant_id       uuid NOT NULL,
    user_id             uuid NOT NULL,       -- routes a staff request to the owner's shard
    status              text NOT NULL
                        CHECK (status IN ('PENDING', 'PAID', 'ACCEPTED', 'PREPARING', 'READY',
                                          'PICKED_UP', 'DELIVERED', 'CANCELLED', 'REFUNDED')),
    status_seq          integer NOT NULL,    -- order_status_history.seq of the status shown: newer wins
    currency            char(3) NOT NULL,
    total_cents         bigint NOT NULL,
    item_count          integer NOT NULL,
    estimated_ready_at  timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
-- A restaurant's full history, newest first (keyset pagination on created_at, order_id).
CREATE INDEX IF NOT EXISTS restaurant_orders_restaurant_created_idx
    ON restaurant_orders (restaurant_id, created_at DESC, order_id DESC);
-- The kitchen screen: only live orders, a small fraction of all rows, already in page order.
CREATE INDEX IF NOT EXISTS restaurant_orders_active_idx
    ON restaurant_orders (restaurant_id, created_at DESC, order_id DESC)
    WHERE status IN ('PENDING', 'PAID', 'ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP');

-- One row per coupon use. Written in the same catalog transaction that increments coupons.uses, so
-- a failed order can hand its use back exactly once, and a repair job can find uses whose order
-- never committed on its shard.
CREATE TABLE IF NOT EXISTS coupon_redemptions (
    code         text NOT NULL REFERENCES coupons (code),
    order_id     uuid NOT NULL,
    user_id      uuid NOT NULL,
    redeemed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, order_id)
);
CREATE INDEX IF NOT EXISTS coupon_redemptions_user_idx ON coupon_redemptions (user_id);
