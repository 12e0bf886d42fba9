-- Payments: one payment per order, fraud assessment and manual review, refund time.
-- Only provider ids, statuses and the provider's card fingerprint (a hash, not card data) are stored:
-- PCI DSS scope stays with the payment provider.
-- depends: 0002_orders_core

ALTER TABLE payments
    ADD COLUMN IF NOT EXISTS card_fingerprint text,
    ADD COLUMN IF NOT EXISTS fraud_score      integer NOT NULL DEFAULT 0 CHECK (fraud_score BETWEEN 0 AND 100),
    ADD COLUMN IF NOT EXISTS fraud_reasons    jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS review_decision  text CHECK (review_decision IN ('approved', 'rejected')),
    ADD COLUMN IF NOT EXISTS reviewed_by      uuid,
    ADD COLUMN IF NOT EXISTS reviewed_at      timestamptz,
    ADD COLUMN IF NOT EXISTS refund_ref       text,
    ADD COLUMN IF NOT EXISTS refunded_at      timestamptz,
    ADD COLUMN IF NOT EXISTS source_event_id  uuid;

-- The saga charges an order once: a redelivered OrderCreated finds the existing payment.
CREATE UNIQUE INDEX IF NOT EXISTS payments_order_key ON payments (order_id);
CREATE INDEX IF NOT EXISTS payments_review_idx ON payments (created_at) WHERE status = 'REVIEW';
CREATE INDEX IF NOT EXISTS payments_provider_ref_idx ON payments (provider_ref) WHERE provider_ref IS NOT NULL;
DROP INDEX IF EXISTS payments_order_idx;
