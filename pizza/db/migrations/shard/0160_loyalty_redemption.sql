-- Loyalty points spent at checkout and credited by hand, on the user's shard.
--
-- orders.points_redeemed and orders.loyalty_discount_cents record what an order spent (its ledger line
-- 'redeem' holds the same points). orders.discount_cents stays the sum of every discount (coupon plus
-- points), so total_cents = subtotal_cents - discount_cents + delivery_fee_cents holds for every order
-- and the curated and warehouse contracts need no new column to reconcile; the coupon's share is
-- discount_cents - loyalty_discount_cents.
--
-- The ledger gains two kinds: 'earn_reversal' (the points a delivered order earned, taken back when it
-- is refunded, never below a zero balance) and 'credit' (points granted by support, with no order:
-- reference_id names what granted them and makes the grant idempotent per user and reference).
-- depends: 0051_loyalty_ledger

ALTER TABLE orders ADD COLUMN IF NOT EXISTS points_redeemed integer NOT NULL DEFAULT 0
    CHECK (points_redeemed >= 0);
ALTER TABLE orders ADD COLUMN IF NOT EXISTS loyalty_discount_cents bigint NOT NULL DEFAULT 0;
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_loyalty_discount_check;
ALTER TABLE orders ADD CONSTRAINT orders_loyalty_discount_check
    CHECK (loyalty_discount_cents >= 0 AND loyalty_discount_cents <= discount_cents);

ALTER TABLE loyalty_ledger ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE loyalty_ledger ADD COLUMN IF NOT EXISTS reference_id text;
ALTER TABLE loyalty_ledger ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE loyalty_ledger DROP CONSTRAINT IF EXISTS loyalty_ledger_kind_check;
ALTER TABLE loyalty_ledger ADD CONSTRAINT loyalty_ledger_kind_check
    CHECK (kind IN ('earn', 'redeem', 'redeem_reversal', 'earn_reversal', 'credit'));
ALTER TABLE loyalty_ledger DROP CONSTRAINT IF EXISTS loyalty_ledger_subject_check;
ALTER TABLE loyalty_ledger ADD CONSTRAINT loyalty_ledger_subject_check
    CHECK (CASE WHEN kind = 'credit' THEN order_id IS NULL AND reference_id IS NOT NULL ELSE order_id IS NOT NULL END);
CREATE UNIQUE INDEX IF NOT EXISTS loyalty_ledger_credit_reference_idx ON loyalty_ledger (user_id, reference_id)
    WHERE kind = 'credit';
