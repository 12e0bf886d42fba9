"""Database topology shared by every layer: the shard router and the migrations."""

from pizza.db.shards import BUCKET_COUNT, ShardMap, ShardRange, bucket_of

__all__ = ["BUCKET_COUNT", "ShardMap", "ShardRange", "bucket_of"]
