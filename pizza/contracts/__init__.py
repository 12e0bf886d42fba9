"""Contracts shared by the API, streaming and pipelines: events, CDC envelopes, lake layout.

Changing a contract is an API change: bump the schema version and document it in docs/events.md.
"""
