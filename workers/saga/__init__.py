"""The saga worker (``pizza saga run``): domain events in, the API's domain services called, each message once.

- ``app.SagaProcess``: the process: one consumer group per purpose and the saga's deadline timer.
- ``purposes``: which events each purpose handles and which domain entry point it calls.
- ``messagelog.once``: a shard transaction holding the message's ``processed_events`` entry.

The consumer loop, dead letters and the message log's SQL are shared Kafka plumbing (``pizza.messaging``);
the domain (``api.domain``) never imports this worker.
"""
