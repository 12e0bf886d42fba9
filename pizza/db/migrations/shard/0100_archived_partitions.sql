-- Hot/cold bookkeeping: one row per orders/order_items month partition moved to the archive, written in
-- the same transaction that detaches and drops the partition (so the log and the data never disagree).
-- depends: 0002_orders_core
CREATE TABLE IF NOT EXISTS archived_partitions (
    parent_table   text        NOT NULL,
    month          date        NOT NULL,      -- first day of the month
    partition_name text        NOT NULL,
    row_count      bigint      NOT NULL,
    checksum       numeric     NOT NULL,      -- sum of 60-bit md5 prefixes of the canonical row text
    archive_uri    text        NOT NULL,
    archived_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (parent_table, month)
);
