-- Notification preferences, beside the user they belong to: channels, quiet hours in the user's zone,
-- and event types the user muted. No row = the defaults (email only, no quiet hours).
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS notification_preferences (
    user_id            uuid PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    channels           text[] NOT NULL DEFAULT '{email}' CHECK (channels <@ ARRAY['email', 'sms']::text[]),
    quiet_hours_start  time,
    quiet_hours_end    time,
    timezone           text NOT NULL DEFAULT 'UTC',
    muted_event_types  text[] NOT NULL DEFAULT '{}',
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
);
