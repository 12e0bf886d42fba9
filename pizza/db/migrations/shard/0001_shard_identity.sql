-- Each shard knows its own name, so a misrouted connection is caught instead of silently written to.
-- depends:
CREATE TABLE IF NOT EXISTS shard_identity (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    shard     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
