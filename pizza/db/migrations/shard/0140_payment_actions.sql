-- What a customer must do before a card payment can be authorized (3-D Secure, Stripe's PaymentIntent
-- status requires_action): the intent's client_secret for Stripe.js, or the page to redirect to. One row
-- per payment while it waits on its customer; the payment itself stays PENDING (nothing is held yet) and
-- the row is deleted when the payment leaves PENDING. Withheld from CDC as a whole (pizza/contracts/privacy.py):
-- a client_secret lets its holder complete the payment, and waiting has no analytic use.
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS payment_actions (
    payment_id    uuid PRIMARY KEY REFERENCES payments (payment_id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('use_stripe_sdk', 'redirect_to_url')),
    client_secret text NOT NULL,
    redirect_url  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
