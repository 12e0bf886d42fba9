"""Thin jobs: parse arguments, build the session, read, transform, write, check. Each has ``main(argv)``."""
