-- The shard map: user buckets -> shard names. Resharding moves bucket ranges, never rehashes users.
-- depends:
CREATE TABLE IF NOT EXISTS shard_map (
    bucket_from integer NOT NULL,
    bucket_to   integer NOT NULL,          -- inclusive
    shard       text    NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bucket_from),
    CHECK (bucket_from >= 0 AND bucket_to >= bucket_from)
);

COMMENT ON TABLE shard_map IS
  'Ranges of user buckets (hash(user_id) mod bucket count) mapped to shard names; shard DSNs come from configuration.';

CREATE TABLE IF NOT EXISTS shard_map_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
