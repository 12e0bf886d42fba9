"""Kafka plumbing every consumer and producer of the platform shares: dead letters, topic creation, and
the health and metrics endpoint of a worker process. Each layer keeps its own metrics and handlers."""
