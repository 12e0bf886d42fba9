"""The e-mails a served API sent: the log provider's JSON-lines file under the test stack's state folder.

The session's API and every ``api_server`` deliver e-mail through the platform's default provider, which
appends one JSON line per message to ``<state dir>/notifications/notifications.jsonl``; tests read the
mail there the way a user reads their inbox.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pizza.config import PlatformSettings


def mails_to(stack: PlatformSettings, email: str, kind: str) -> list[dict[str, Any]]:
    """Every mail of ``kind`` (the prefix of its event id, e.g. ``password-reset``) to ``email``, oldest first."""
    path = stack.state_dir / "notifications" / "notifications.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [m for m in lines if m["to"] == email.lower() and m["event_id"].startswith(f"{kind}:")]


def wait_for_mail(stack: PlatformSettings, email: str, kind: str, count: int = 1) -> dict[str, Any]:
    """The ``count``-th mail of this kind to ``email`` (sent after the answer, so it may take a moment)."""
    deadline = time.monotonic() + 15
    while len(found := mails_to(stack, email, kind)) < count:
        assert time.monotonic() < deadline, f"no {kind} mail #{count} to {email}"
        time.sleep(0.1)
    return found[count - 1]


def reset_token_in(mail: dict[str, Any]) -> str:
    """The one-time token of a password-reset mail (the link ends ``#token=<token>``)."""
    return str(mail["body"].split("#token=", 1)[1].split()[0])
