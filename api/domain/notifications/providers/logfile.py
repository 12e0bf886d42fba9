"""The default provider: one JSON line per message in a local file (the demo's outbox you can ``tail -f``)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from api.domain.notifications.providers.base import Delivery, OutgoingMessage


class LogFileProvider:
    name = "log"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    async def send(self, message: OutgoingMessage) -> Delivery:
        line = json.dumps({**asdict(message), "sent_at": datetime.now(UTC).isoformat()}, ensure_ascii=False)
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return Delivery(provider_message_id=message.notification_id)

    async def close(self) -> None:
        return None
