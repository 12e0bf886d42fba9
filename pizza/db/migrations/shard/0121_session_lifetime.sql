-- An absolute lifetime for a login: every refresh token of a family carries the time its password was
-- given, and a rotation never extends a token past login_at + PIZZA_API_SESSION_MAX_DAYS. Tokens that
-- existed before this migration count their login from now.
-- depends: 0120_account_control

ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS login_at timestamptz NOT NULL DEFAULT now();
