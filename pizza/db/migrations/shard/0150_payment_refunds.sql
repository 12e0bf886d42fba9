-- Refunds by amount: one row per refund of a payment (staff, support, the order's cancellation, or a
-- refund made at the provider and reported by its webhook), and the payment's running refunded total.
-- A payment is REFUNDED only once refunded_cents reaches amount_cents; partly refunded it stays SUCCEEDED.
-- refunded_cents counts refunds in flight too (status 'pending'), so two concurrent refunds of one
-- payment, each serialised by the payment's row lock, can never exceed what was captured; a refund the
-- provider refuses gives its amount back ('failed'). A refund request is idempotent by its key
-- (unique per payment): asking again returns the same row and refunds nothing more.
-- Captured by the CDC relay like every shard table (primary key: refund_id): the lake needs the amounts.
-- depends: 0040_payment_fraud_review

ALTER TABLE payments ADD COLUMN IF NOT EXISTS refunded_cents bigint NOT NULL DEFAULT 0;
UPDATE payments SET refunded_cents = amount_cents WHERE status = 'REFUNDED' AND refunded_cents = 0;
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_refunded_within_amount;
ALTER TABLE payments ADD CONSTRAINT payments_refunded_within_amount
    CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents);

CREATE TABLE IF NOT EXISTS payment_refunds (
    refund_id        uuid PRIMARY KEY,                  -- UUIDv7
    payment_id       uuid NOT NULL REFERENCES payments (payment_id) ON DELETE CASCADE,
    order_id         uuid NOT NULL,
    user_id          uuid NOT NULL,                     -- the order's customer
    amount_cents     bigint NOT NULL CHECK (amount_cents > 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    reason           text,
    provider_ref     text,                              -- the provider's refund id, once it answered
    status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    requested_by     uuid,                              -- staff, admin or support agent; null: the system
    idempotency_key  text NOT NULL,
    failure_reason   text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (payment_id, idempotency_key)
);
CREATE INDEX IF NOT EXISTS payment_refunds_order_idx ON payment_refunds (order_id, created_at);
