"""Postgres hot/cold: monthly ``orders``/``order_items`` partitions made ahead, old ones moved to the archive."""
