-- Per-user data keys of the envelope encryption of contact fields (pizza/crypto/envelope.py). The CDC
-- relay seals every contact value leaving Postgres with its owner's key, creating the key on first need
-- (INSERT ... ON CONFLICT DO NOTHING, so concurrent relays agree on one). Only the key wrapped under the
-- master key (PIZZA_PRIVACY_MASTER_KEY) is stored. Erasure destroys it: wrapped_key NULL, erased_at set,
-- and the row stays as a tombstone so no relay ever creates a new key for that user (crypto-shredding:
-- every copy of their ciphertext, in Kafka, the lake, archives and backups, becomes unreadable).
-- Never published by the relay (pizza.contracts.privacy.WITHHELD_TABLES). Not partitioned: one small
-- row per user, read by primary key.
-- depends: 0002_restaurants

CREATE TABLE IF NOT EXISTS user_data_keys (
    user_id     uuid PRIMARY KEY,
    wrapped_key bytea,                          -- NULL once erased
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz,
    CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
