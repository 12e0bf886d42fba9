-- Password reset by an e-mailed one-time token (api/domain/accounts/password_reset.py). One live token
-- per user: a newer request replaces the row, so the older link stops working; using the token deletes
-- it. Only the SHA-256 of the token is stored. The table is withheld from CDC as a whole
-- (pizza/contracts/privacy.py): it holds a secret and has no analytic use.
-- depends: 0121_session_lifetime

CREATE TABLE IF NOT EXISTS password_reset_tokens (
    user_id    uuid PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
