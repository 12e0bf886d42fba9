"""The streaming processes' metrics (relay and lake sink), served with ``/health`` by ``pizza.messaging.health``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# --- CDC relay --------------------------------------------------------------------------------------
CDC_MESSAGES = Counter("pizza_cdc_messages", "Messages acknowledged by Kafka", ["shard", "kind"])
CDC_TRANSACTIONS = Counter("pizza_cdc_transactions", "Committed transactions relayed", ["shard"])
CDC_CONFIRMED_LSN = Gauge("pizza_cdc_confirmed_lsn", "Slot position confirmed after Kafka acked", ["shard"])
CDC_LAG_BYTES = Gauge("pizza_cdc_slot_lag_bytes", "WAL bytes between the server and the slot", ["shard"])
CDC_COMMIT_TO_ACK = Histogram(
    "pizza_cdc_commit_to_ack_seconds", "Postgres commit -> Kafka acknowledgement", buckets=LATENCY_BUCKETS
)
CDC_CYCLE_FAILURES = Counter("pizza_cdc_cycle_failures", "Cycles retried after a Postgres or Kafka failure")
CDC_STANDBY = Gauge("pizza_cdc_standby", "1 while another relay holds this shard's lock", ["shard"])

# --- lake sink --------------------------------------------------------------------------------------
LAKE_ROWS = Counter("pizza_lake_rows", "Rows written to the lake", ["table"])
LAKE_FILES = Counter("pizza_lake_files", "Parquet files written", ["table"])
LAKE_DEAD_LETTERS = Counter("pizza_lake_dead_letters", "Malformed messages sent to the dead-letter topic", ["topic"])
LAKE_BUFFERED_ROWS = Gauge("pizza_lake_buffered_rows", "Rows consumed but not yet in a file")
LAKE_FLUSH_SECONDS = Histogram("pizza_lake_flush_seconds", "Write files + commit offsets", buckets=LATENCY_BUCKETS)
LAKE_LAG_SECONDS = Gauge("pizza_lake_lag_seconds", "Now minus the commit time of the newest row in a file")
