-- The kitchen's promise: when the order should be ready, set when staff accept or start preparing it.
-- depends: 0002_orders_core

ALTER TABLE orders ADD COLUMN IF NOT EXISTS estimated_ready_at timestamptz;
