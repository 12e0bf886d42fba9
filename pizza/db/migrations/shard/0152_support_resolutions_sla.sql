-- Customer support, second step: how a ticket was resolved, and its SLA clock as a durable timer.
--
-- Resolution: one per ticket, on the ticket row (a ticket is resolved once and then closed). The ticket id
-- is the idempotency key handed to payments, coupons and loyalty, so a retried resolution finds the refund,
-- coupon or credit it made the first time instead of making a second one. resolution_reference names it:
-- the refund's id, the coupon's code, the loyalty ledger entry's id.
--
-- SLA timer: like order_sagas' deadlines, the next due time lives in the row and a timer in the saga worker
-- finds due tickets through the partial index (several timers share them with SKIP LOCKED). A breach is
-- stamped (*_escalated_at) in the same transaction as the escalation, so it happens once per clock,
-- whatever restarts in between. Existing unclosed tickets get their timer from their stored due times.
-- depends: 0110_support_tickets

ALTER TABLE support_tickets
    ADD COLUMN IF NOT EXISTS restaurant_id               uuid,  -- the order's restaurant, copied at opening
    ADD COLUMN IF NOT EXISTS priority                    text NOT NULL DEFAULT 'normal'
                             CHECK (priority IN ('normal', 'urgent')),
    ADD COLUMN IF NOT EXISTS sla_deadline_at             timestamptz,  -- NULL: no clock left running
    ADD COLUMN IF NOT EXISTS sla_deadline_kind           text
                             CHECK (sla_deadline_kind IN ('first_response', 'resolution')),
    ADD COLUMN IF NOT EXISTS first_response_escalated_at timestamptz,
    ADD COLUMN IF NOT EXISTS resolution_escalated_at     timestamptz,
    ADD COLUMN IF NOT EXISTS resolution_kind             text
                             CHECK (resolution_kind IN ('refund', 'coupon_credit', 'loyalty_credit', 'no_action')),
    ADD COLUMN IF NOT EXISTS resolution_amount_cents     bigint CHECK (resolution_amount_cents >= 0),
    ADD COLUMN IF NOT EXISTS resolution_currency         char(3),
    ADD COLUMN IF NOT EXISTS resolution_points           integer CHECK (resolution_points > 0),
    ADD COLUMN IF NOT EXISTS resolution_reference        text,
    ADD COLUMN IF NOT EXISTS resolved_by                 uuid;

ALTER TABLE support_tickets DROP CONSTRAINT IF EXISTS support_tickets_sla_deadline_pair;
ALTER TABLE support_tickets ADD CONSTRAINT support_tickets_sla_deadline_pair
    CHECK ((sla_deadline_at IS NULL) = (sla_deadline_kind IS NULL));

UPDATE support_tickets
   SET sla_deadline_at = CASE WHEN first_response_at IS NULL THEN first_response_due_at ELSE resolution_due_at END,
       sla_deadline_kind = CASE WHEN first_response_at IS NULL THEN 'first_response' ELSE 'resolution' END
 WHERE status <> 'closed' AND resolved_at IS NULL AND sla_deadline_at IS NULL;

-- The timer's query: due tickets, oldest deadline first; only running clocks are indexed.
CREATE INDEX IF NOT EXISTS support_tickets_sla_due_idx ON support_tickets (sla_deadline_at)
    WHERE sla_deadline_at IS NOT NULL;
