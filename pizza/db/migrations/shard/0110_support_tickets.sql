-- Customer support on the customer's shard, beside the orders a ticket is about: opening a ticket checks
-- the order and writes the ticket in one local transaction, and a customer's support history moves with
-- their bucket. Agents read every shard (api/domain/support/services.py).
--
-- Not time-partitioned: tickets are a few per hundred orders and small, the open queue is served by a
-- partial index whatever the table's size, and nothing archives them by month. Partitioning would also
-- force created_at into every unique key, and "one unclosed ticket per order" could no longer be a
-- unique index. Revisit (pg_partman, monthly on created_at) if closed tickets ever need archiving.
-- depends: 0002_orders_core

-- A new role: agents (support staff), created by an administrator like restaurant staff and riders.
-- One scan of users under the migration's lock; every existing row already passed the narrower check.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('customer', 'restaurant_staff', 'rider', 'agent', 'admin'));

CREATE TABLE IF NOT EXISTS support_tickets (
    ticket_id              uuid PRIMARY KEY,                -- UUIDv7: time-ordered, the keyset of every list
    user_id                uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    order_id               uuid,                            -- the customer's order, checked at opening; no
                                                            -- foreign key: orders are partitioned and archived
    category               text NOT NULL
                           CHECK (category IN ('missing_item', 'late', 'wrong_order', 'payment', 'other')),
    subject                text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    status                 text NOT NULL DEFAULT 'open'
                           CHECK (status IN ('open', 'pending_customer', 'resolved', 'closed')),
    assigned_agent_id      uuid,                            -- an agent's user id (on the agent's own shard)
    first_response_due_at  timestamptz NOT NULL,            -- the promise made at opening (settings then)
    resolution_due_at      timestamptz NOT NULL,
    first_response_at      timestamptz,                     -- the first message not written by the customer
    resolved_at            timestamptz,                     -- cleared when the customer reopens the ticket
    closed_at              timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (first_response_due_at >= created_at AND resolution_due_at >= created_at)
);
-- A customer's tickets, newest first.
CREATE INDEX IF NOT EXISTS support_tickets_user_idx ON support_tickets (user_id, ticket_id DESC);
-- The agents' queue on each shard: by status, newest first (without a status the primary key serves).
CREATE INDEX IF NOT EXISTS support_tickets_status_idx ON support_tickets (status, ticket_id DESC);
-- An order has at most one ticket that is not closed: a second complaint goes on the first thread.
CREATE UNIQUE INDEX IF NOT EXISTS support_tickets_one_unclosed_per_order ON support_tickets (order_id)
    WHERE order_id IS NOT NULL AND status <> 'closed';

-- The thread of a ticket, append-only: messages are never edited (an update is refused below). Deletes
-- stay possible so a ticket or a user can be removed whole, and a resharding can clear moved rows.
CREATE TABLE IF NOT EXISTS support_messages (
    message_id   uuid PRIMARY KEY,                          -- UUIDv7: the thread's order
    ticket_id    uuid NOT NULL REFERENCES support_tickets (ticket_id) ON DELETE CASCADE,
    author_id    uuid NOT NULL,
    author_role  text NOT NULL CHECK (author_role IN ('customer', 'agent', 'admin')),
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS support_messages_ticket_idx ON support_messages (ticket_id, message_id);

CREATE OR REPLACE FUNCTION support_messages_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'support messages are append-only (message %)', OLD.message_id;
END
$$;
CREATE OR REPLACE TRIGGER support_messages_append_only BEFORE UPDATE ON support_messages
    FOR EACH ROW EXECUTE FUNCTION support_messages_refuse_update();
