"""Cryptography of personal data: keyed pseudonyms (``pseudonyms``) and envelope encryption of contact
fields with per-user data keys (``envelope``). Primitives come from ``cryptography``; nothing here
invents a construction."""
