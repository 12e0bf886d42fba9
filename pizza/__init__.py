"""pizza."""
