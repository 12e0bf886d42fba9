-- Deliveries on the order's shard: one row per order once a rider is assigned. The row is the
-- authoritative assignment (its unique order_id makes "one delivery per order" a database fact) and
-- the state change that the DeliveryAssigned outbox row accompanies in the same transaction; CDC
-- carries it to the lake for delivery-time facts. Live positions live in Redis and MongoDB.
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id    uuid PRIMARY KEY,
    order_id       uuid NOT NULL UNIQUE,
    user_id        uuid NOT NULL,
    restaurant_id  uuid NOT NULL,
    rider_id       uuid NOT NULL,
    city           text NOT NULL,
    status         text NOT NULL DEFAULT 'ASSIGNED'
                   CHECK (status IN ('ASSIGNED', 'PICKED_UP', 'DELIVERED', 'CANCELLED')),
    pickup_km      double precision NOT NULL CHECK (pickup_km >= 0),     -- rider -> restaurant at assignment
    dropoff_km     double precision CHECK (dropoff_km >= 0),             -- restaurant -> customer
    eta_minutes    double precision NOT NULL CHECK (eta_minutes >= 0),
    assigned_at    timestamptz NOT NULL DEFAULT now(),
    picked_up_at   timestamptz,
    delivered_at   timestamptz,
    cancelled_at   timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deliveries_user_idx ON deliveries (user_id, assigned_at DESC);
CREATE INDEX IF NOT EXISTS deliveries_rider_active_idx ON deliveries (rider_id)
    WHERE status IN ('ASSIGNED', 'PICKED_UP');
