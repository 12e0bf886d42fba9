"""``cdc.*`` topics -> raw Parquet files in the lake (``pizza lake sink``)."""
