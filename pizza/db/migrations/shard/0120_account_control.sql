-- Account control from the server's state, not the token alone. Every access token carries the
-- token_version it was issued under; a role change, disabling the account, a password change and
-- "log out everywhere" raise it, so tokens issued before stop working on their next request
-- (api/lib/sessions.py). A disabled account cannot log in or refresh until an admin enables it.
-- depends: 0110_support_tickets

ALTER TABLE users ADD COLUMN IF NOT EXISTS token_version integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
