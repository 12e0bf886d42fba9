-- Refunds started by restaurant staff, on the order's (= its customer's) shard, beside the order they
-- refund: the request row, the cap check and the order's move to REFUNDED commit in one local
-- transaction. Every staff refund has a row, made at once within the caps (within_cap) or held for an
-- admin (pending -> approved | rejected), so the rows are both the audit trail (who asked, who decided,
-- when, why) and what a staff member's refunds of the last 24 hours are summed from (every shard is
-- asked: the orders a staff member refunds belong to customers on any shard). Rules:
-- api/domain/orders/refund_caps.py; flow: docs/payments.md.
--
-- Not time-partitioned: a few rows per thousand orders, the admins' queue is served by a partial index
-- whatever the table's size, and nothing archives them by month. Partitioning would also force
-- created_at into every unique key, and "one pending request per order" could no longer be a unique
-- index. Captured by the CDC relay like every shard table (primary key: request_id).
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS refund_requests (
    request_id       uuid PRIMARY KEY,                 -- UUIDv7: time-ordered, the keyset of every list
    order_id         uuid NOT NULL,                    -- no foreign key: orders are partitioned and archived
    user_id          uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,  -- the order's customer
    restaurant_id    uuid NOT NULL,
    amount_cents     bigint NOT NULL CHECK (amount_cents >= 0),  -- the order's total: refunds are whole
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status           text NOT NULL CHECK (status IN ('within_cap', 'pending', 'approved', 'rejected')),
    hold_reason      text CHECK (hold_reason IN ('over_refund_cap', 'over_daily_cap', 'no_reference_rate')),
    requested_by     uuid NOT NULL,                    -- the staff member (a user on their own shard)
    request_reason   text,
    decided_by       uuid,                             -- the admin who approved or rejected
    decided_at       timestamptz,
    decision_reason  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'within_cap') = (hold_reason IS NULL)),
    CHECK ((status IN ('approved', 'rejected')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL)),
    CHECK (decided_by IS DISTINCT FROM requested_by)   -- nobody decides their own request
);
-- An order has at most one request waiting: asking again finds it.
CREATE UNIQUE INDEX IF NOT EXISTS refund_requests_one_pending_per_order ON refund_requests (order_id)
    WHERE status = 'pending';
-- The admins' queue on each shard by status (pending oldest first, the others newest first).
CREATE INDEX IF NOT EXISTS refund_requests_status_idx ON refund_requests (status, request_id DESC);
-- A staff member's refunds made alone in the last 24 hours (the daily cap).
CREATE INDEX IF NOT EXISTS refund_requests_staff_idx ON refund_requests (requested_by, created_at)
    WHERE status = 'within_cap';
