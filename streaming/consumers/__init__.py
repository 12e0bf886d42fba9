"""Kafka consumers: one folder per purpose, wiring in ``app.py``, pure logic in ``handlers.py``."""
