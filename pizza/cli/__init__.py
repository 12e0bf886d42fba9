"""The `pizza` command line."""
