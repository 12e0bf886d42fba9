-- Core transactional schema on every order shard: users, orders, items, payments, status history,
-- the transactional outbox and the consumers' message log. Rows of one user live on one shard.
-- depends: 0001_shard_identity

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;

CREATE TABLE IF NOT EXISTS users (
    user_id        uuid PRIMARY KEY,
    email          text NOT NULL,
    name           text NOT NULL,
    phone          text,
    password_hash  text NOT NULL,
    role           text NOT NULL DEFAULT 'customer'
                   CHECK (role IN ('customer', 'restaurant_staff', 'rider', 'admin')),
    restaurant_id  uuid,                     -- set for restaurant_staff
    city           text,
    loyalty_points integer NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (lower(email));
CREATE INDEX IF NOT EXISTS users_phone_idx ON users (phone) WHERE phone IS NOT NULL;

CREATE TABLE IF NOT EXISTS user_addresses (
    address_id  uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    label       text NOT NULL,
    line1       text NOT NULL,
    city        text NOT NULL,
    postcode    text,
    country     text NOT NULL,
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    is_default  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS user_addresses_user_idx ON user_addresses (user_id);

-- Orders: range-partitioned by month on created_at (pg_partman keeps partitions ahead).
-- The primary key must include the partition key; order_id alone is unique by construction (UUIDv7).
CREATE TABLE IF NOT EXISTS orders (
    order_id           uuid NOT NULL,
    user_id            uuid NOT NULL,
    restaurant_id      uuid NOT NULL,
    status             text NOT NULL
                       CHECK (status IN ('PENDING', 'PAID', 'ACCEPTED', 'PREPARING', 'READY',
                                         'PICKED_UP', 'DELIVERED', 'CANCELLED', 'REFUNDED')),
    currency           char(3) NOT NULL,
    subtotal_cents     bigint NOT NULL CHECK (subtotal_cents >= 0),
    discount_cents     bigint NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
    delivery_fee_cents bigint NOT NULL DEFAULT 0 CHECK (delivery_fee_cents >= 0),
    total_cents        bigint NOT NULL CHECK (total_cents >= 0),
    coupon_code        text,
    city               text NOT NULL,
    delivery_address   jsonb NOT NULL,
    delivery_lat       double precision,
    delivery_lon       double precision,
    idempotency_key    text,
    request_hash       text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX IF NOT EXISTS orders_user_created_idx ON orders (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS orders_restaurant_created_idx ON orders (restaurant_id, created_at DESC);
CREATE INDEX IF NOT EXISTS orders_active_idx ON orders (status, created_at)
    WHERE status IN ('PENDING', 'PAID', 'ACCEPTED', 'PREPARING', 'READY', 'PICKED_UP');

CREATE TABLE IF NOT EXISTS order_items (
    order_id          uuid NOT NULL,
    line_no           integer NOT NULL,
    order_created_at  timestamptz NOT NULL,   -- the parent's partition key: items archive with their order
    menu_item_id      text NOT NULL,
    name              text NOT NULL,
    size              text,
    toppings          jsonb NOT NULL DEFAULT '[]'::jsonb,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  bigint NOT NULL CHECK (unit_price_cents >= 0),
    line_total_cents  bigint NOT NULL CHECK (line_total_cents >= 0),
    PRIMARY KEY (order_id, line_no, order_created_at)
) PARTITION BY RANGE (order_created_at);

CREATE TABLE IF NOT EXISTS order_status_history (
    order_id     uuid NOT NULL,
    seq          integer NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    reason       text,
    changed_by   text,
    changed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id       uuid NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    order_id      uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);

CREATE TABLE IF NOT EXISTS payments (
    payment_id     uuid PRIMARY KEY,
    order_id       uuid NOT NULL,
    user_id        uuid NOT NULL,
    amount_cents   bigint NOT NULL CHECK (amount_cents >= 0),
    currency       char(3) NOT NULL,
    status         text NOT NULL
                   CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED', 'REVIEW')),
    provider       text NOT NULL,            -- 'simulated' | 'stripe'
    provider_ref   text,                     -- e.g. Stripe PaymentIntent id; never card data
    method         text,
    failure_reason text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS payments_order_idx ON payments (order_id);
CREATE INDEX IF NOT EXISTS payments_user_idx ON payments (user_id, created_at DESC);

-- Transactional outbox (Debezium outbox pattern): written in the same transaction as the state change,
-- captured by the CDC relay from the WAL and routed to events.<aggregate_type>.
CREATE TABLE IF NOT EXISTS outbox (
    event_id        uuid PRIMARY KEY,
    aggregate_type  text NOT NULL,
    aggregate_id    text NOT NULL,
    event_type      text NOT NULL,
    schema_version  integer NOT NULL,
    payload         jsonb NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS outbox_created_idx ON outbox (created_at);

-- Message log of idempotent consumers: (consumer, event_id) processed exactly once per consumer.
CREATE TABLE IF NOT EXISTS processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Monthly partitions from 12 months back to 3 ahead; partman.run_maintenance() keeps them ahead.
DO $$
DECLARE
    start_month text := to_char(date_trunc('month', now()) - interval '12 months', 'YYYY-MM-DD');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM partman.part_config WHERE parent_table = 'public.orders') THEN
        PERFORM partman.create_parent(p_parent_table => 'public.orders', p_control => 'created_at',
                                      p_type => 'native', p_interval => 'monthly', p_premake => 3,
                                      p_start_partition => start_month);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM partman.part_config WHERE parent_table = 'public.order_items') THEN
        PERFORM partman.create_parent(p_parent_table => 'public.order_items', p_control => 'order_created_at',
                                      p_type => 'native', p_interval => 'monthly', p_premake => 3,
                                      p_start_partition => start_month);
    END IF;
    UPDATE partman.part_config SET infinite_time_partitions = true
     WHERE parent_table IN ('public.orders', 'public.order_items');
END
$$;
