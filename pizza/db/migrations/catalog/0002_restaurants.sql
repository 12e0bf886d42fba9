-- Global, unsharded reference data in the catalog: the user directory (login by email), restaurants,
-- coupons. Menus are MongoDB documents keyed by restaurant_id.
-- depends: 0001_shard_map

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE IF NOT EXISTS user_directory (
    email       text PRIMARY KEY,           -- lower-cased
    user_id     uuid NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS restaurants (
    restaurant_id  uuid PRIMARY KEY,
    name           text NOT NULL,
    city           text NOT NULL,
    country        char(2) NOT NULL,
    timezone       text NOT NULL,
    currency       char(3) NOT NULL,
    cuisine        text NOT NULL,
    address        text NOT NULL,
    lat            double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon            double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    opening_hours  jsonb NOT NULL DEFAULT '{}'::jsonb,   -- {"mon": [["11:00","23:00"]], ...} local time
    rating_avg     numeric(3, 2),
    rating_count   integer NOT NULL DEFAULT 0,
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS restaurants_city_cuisine_idx ON restaurants (city, cuisine);
CREATE INDEX IF NOT EXISTS restaurants_name_trgm_idx ON restaurants USING gin (name gin_trgm_ops);

CREATE TABLE IF NOT EXISTS coupons (
    code             text PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('percentage', 'fixed')),
    value            bigint NOT NULL CHECK (value > 0),    -- percent, or cents for 'fixed'
    currency         char(3),
    city             text,                                 -- NULL: valid everywhere
    first_order_only boolean NOT NULL DEFAULT false,
    min_subtotal_cents bigint NOT NULL DEFAULT 0,
    max_uses         integer,
    uses             integer NOT NULL DEFAULT 0,
    valid_from       timestamptz NOT NULL DEFAULT now(),
    valid_until      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Outbox and message log exist in the catalog too: restaurant-side events are captured the same way.
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

CREATE TABLE IF NOT EXISTS processed_events (
    consumer     text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
