"""Sinks: where consumed streams are written (the Parquet lake)."""
