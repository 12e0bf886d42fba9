"""The saga worker's consumer metrics, served with ``/health`` by ``pizza.messaging.health``."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

MESSAGES = Counter("pizza_consumer_messages", "Messages handled, by consumer and outcome", ["consumer", "outcome"])
DEAD_LETTERS = Counter("pizza_consumer_dead_letters", "Messages sent to the dead-letter topic", ["consumer"])
RETRIES = Counter("pizza_consumer_retries", "Handler attempts that failed with a transient error", ["consumer"])
HANDLE_SECONDS = Histogram("pizza_consumer_handle_seconds", "Time to handle one message", ["consumer"], buckets=BUCKETS)
