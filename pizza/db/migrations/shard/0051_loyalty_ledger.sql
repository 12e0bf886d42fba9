-- Loyalty ledger on the user's shard, beside users.loyalty_points (the balance) and the orders that
-- earn and spend points, so an order placement and its redemption commit in one local transaction.
-- One entry per (order, kind): awarding or redeeming twice for the same order is a no-op.
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS loyalty_ledger (
    entry_id       uuid PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    order_id       uuid NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('earn', 'redeem', 'redeem_reversal')),
    points         integer NOT NULL CHECK (points <> 0),   -- signed: earn > 0, redeem < 0
    balance_after  integer NOT NULL CHECK (balance_after >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, kind)
);
-- The account page: newest first, keyset on entry_id (UUIDv7, time-ordered).
CREATE INDEX IF NOT EXISTS loyalty_ledger_user_idx ON loyalty_ledger (user_id, entry_id DESC);
