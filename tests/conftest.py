"""Test-session wiring. The environment is set here, before any project package is imported.

The real local stack runs for the test session on its own ports and state folder, so a developer's
running stack is never touched. Several checkouts may test at once by choosing another
``PIZZA_TEST_PORT_BASE`` (default 25000) and ``PIZZA_TEST_NAME``. Ports stay below the kernel's
ephemeral range (32768-60999), so an outgoing connection never holds a port the stack needs.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_BASE = int(os.environ.get("PIZZA_TEST_PORT_BASE", "25000"))
_STATE = REPO / ".pizza-test" / os.environ.get("PIZZA_TEST_NAME", "default")

os.environ.update(
    {
        "PIZZA_ENVIRONMENT": "ci",
        "PIZZA_STATE_DIR": str(_STATE),
        "PIZZA_PG_PORT": str(_BASE + 432),
        "PIZZA_REDIS_PORT": str(_BASE + 379),
        "PIZZA_KAFKA_PORT": str(_BASE + 92),
        "PIZZA_MONGO_PORT": str(_BASE + 17),
        "PIZZA_LOG_JSON": "1",
    }
)
for _var in (
    "PIZZA_CATALOG_DSN",
    "PIZZA_SHARD_DSNS",
    "PIZZA_REDIS_URL",
    "PIZZA_KAFKA_BOOTSTRAP",
    "PIZZA_MONGO_URL",
    "PIZZA_LAKE_URL",
    "PIZZA_ARCHIVE_URL",
    "PIZZA_WAREHOUSE_PATH",
):
    os.environ.pop(_var, None)

# The shared test kit (tests/support), imported only now that the environment points at the test stack.
pytest_plugins = [
    "support.stack",
    "support.pools",
    "support.serving",
    "support.api_actors",
    "support.order_walks",
]
