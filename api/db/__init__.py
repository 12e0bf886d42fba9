"""Connections the API holds: one async pool per shard and one for the catalog."""

from api.db.pools import Databases

__all__ = ["Databases"]
