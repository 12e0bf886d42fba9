"""The shared test kit: one home for what many test folders need, registered for every test by
``pytest_plugins`` in ``tests/conftest.py`` (after that file has pointed the environment at the test
stack, so the kit's imports read the test settings).

- ``stack``: the real local stack for the session (``platform_settings``, ``stack``).
- ``pools``: the async backend and the stores' clients (``anyio_backend``, ``databases``, ``redis``,
  ``mongo``).
- ``serving``: processes served for a test (``free_port``, ``serve_process``, ``serve_api``; the
  fixtures ``api_url``, ``ws_api_url``, ``api_server``, ``http``).
- ``api_actors``: users, restaurants and orders made through the served API (``admin``,
  ``make_user``, ``make_restaurant``, ``place_order``, ``move_order``, ...).
- ``order_walks``: an order walked through its states by the right actors (``walk_order``,
  ``order_at``).
- ``shards``: orders written on the shards the way the API writes them, without the API
  (``ShardOrderWriter``, ``write_outbox``), and what they left read back (``shard_dsn``, ``outbox_rows``).
- ``events``: an event as a consumer receives it (``envelope_of``).
- ``http_doubles``: a local JSON server for a provider's double (``serve_http``).
- ``environment``: settings pointed elsewhere for a while (``environment``).
"""
