-- The order saga's persisted state: one row per order, on the order's (= its customer's) shard, so a
-- saga step, the consumer's message-log entry and the order itself commit on one database. A crashed
-- saga process loses nothing: the next one reads the row and carries on; the timer finds due sagas
-- through the partial index on deadline_at (several timers share the work with SKIP LOCKED).
-- States and steps: api/domain/saga/states.py; how it runs: docs/saga.md.
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS order_sagas (
    order_id       uuid PRIMARY KEY,
    user_id        uuid NOT NULL,
    restaurant_id  uuid NOT NULL,
    state          text NOT NULL
                   CHECK (state IN ('PAYMENT_PENDING', 'AWAITING_KITCHEN', 'IN_KITCHEN', 'AWAITING_RIDER',
                                    'ESCALATED', 'RIDER_ASSIGNED', 'IN_DELIVERY', 'COMPLETED',
                                    'CANCELLED', 'REFUNDED')),
    order_status   text NOT NULL,            -- the order's status as the saga last saw it
    deadline_at    timestamptz,              -- when the timer must look again; NULL: nothing is due
    deadline_kind  text CHECK (deadline_kind IN ('payment', 'kitchen', 'rider')),
    reason         text,                     -- why the saga compensated or escalated
    escalated_at   timestamptz,
    timer_failures integer NOT NULL DEFAULT 0, -- timeout steps that raised (each one postpones the deadline)
    steps          jsonb NOT NULL DEFAULT '[]'::jsonb,  -- the step log: trigger, from, to, commands, at
    version        integer NOT NULL DEFAULT 1,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((deadline_at IS NULL) = (deadline_kind IS NULL))
);

-- The timer's query: due sagas, oldest deadline first; only sagas waiting on something are indexed.
CREATE INDEX IF NOT EXISTS order_sagas_due_idx ON order_sagas (deadline_at) WHERE deadline_at IS NOT NULL;
-- Operations: sagas that need a human.
CREATE INDEX IF NOT EXISTS order_sagas_escalated_idx ON order_sagas (escalated_at) WHERE state = 'ESCALATED';
