"""CDC relay: logical replication slots (wal2json) -> Kafka, at least once, nothing lost."""
