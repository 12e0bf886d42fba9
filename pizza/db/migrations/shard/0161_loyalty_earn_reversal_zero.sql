-- A refunded order's 'earn_reversal' takes back its earned points but never below a zero balance, so the
-- line may hold 0 points: the reversal happened once, with nothing left to take, and is never retried.
-- Every other kind still moves the balance.
-- depends: 0160_loyalty_redemption

ALTER TABLE loyalty_ledger DROP CONSTRAINT IF EXISTS loyalty_ledger_points_check;
ALTER TABLE loyalty_ledger ADD CONSTRAINT loyalty_ledger_points_check CHECK (points <> 0 OR kind = 'earn_reversal');
