-- Refresh tokens of the OAuth2 password flow, kept on the owner's shard: a refresh token names its
-- user, so a refresh is routed like every other per-user request. Only SHA-256 digests are stored,
-- so a copy of this table grants nothing. Every rotation of one login shares a family; presenting
-- an already rotated token revokes the whole family (refresh token reuse detection).
-- depends: 0002_orders_core

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash  text PRIMARY KEY,                 -- hex SHA-256 of the opaque token
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,                      -- set when rotated into a successor
    revoked_at  timestamptz                       -- set by logout or reuse detection
);
-- Revoking a family (logout, reuse) touches every token of one login.
CREATE INDEX IF NOT EXISTS refresh_tokens_family_idx ON refresh_tokens (family_id);
-- Purging expired tokens is a range scan, not a sequential one.
CREATE INDEX IF NOT EXISTS refresh_tokens_expires_idx ON refresh_tokens (expires_at);
