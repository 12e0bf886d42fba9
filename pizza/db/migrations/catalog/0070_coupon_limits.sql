-- Coupon limits per customer and personal coupons.
--
-- max_uses_per_customer: how many uses one customer may hold at once (NULL: no limit); counted from
-- coupon_redemptions under the coupon row lock, so a use given back (cancel, refund) counts no more.
-- owner_user_id: a personal coupon (support's credit), usable by that customer only; reference_id names
-- what issued it and makes issuing idempotent; issued_reason says why, for the audit.
-- redeemed_at is indexed for the repair job that gives back uses whose order never committed.
-- depends: 0020_restaurant_orders

ALTER TABLE coupons ADD COLUMN IF NOT EXISTS max_uses_per_customer integer CHECK (max_uses_per_customer >= 1);
ALTER TABLE coupons ADD COLUMN IF NOT EXISTS owner_user_id uuid;
ALTER TABLE coupons ADD COLUMN IF NOT EXISTS reference_id text UNIQUE;
ALTER TABLE coupons ADD COLUMN IF NOT EXISTS issued_reason text;

CREATE INDEX IF NOT EXISTS coupon_redemptions_customer_idx ON coupon_redemptions (code, user_id);
CREATE INDEX IF NOT EXISTS coupon_redemptions_redeemed_at_idx ON coupon_redemptions (redeemed_at);
