"""Kafka consumers of the API side: domain events in, domain entry points called, each message once.

- ``consumer.EventConsumer``: one consumer group per purpose; manual offset commits after the effect,
  tenacity retries for transient errors, dead letters (``dlq.pizza``) for what can never be processed.
- ``messagelog``: the ``processed_events`` entry of a message, in the same shard transaction as its effect.
- ``purposes``: which events each purpose handles and which domain entry point it calls.
- ``app.SagaProcess``: what ``pizza saga run`` runs (the consumers and the saga's deadline timer).

This package imports no domain at import time, so domains may use ``messagelog`` freely.
"""
