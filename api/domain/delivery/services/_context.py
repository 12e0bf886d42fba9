"""What every job of the delivery service works with: built once by ``DeliveryService``, shared by all."""

from __future__ import annotations

from dataclasses import dataclass

from api.db import Databases
from api.domain.delivery.live import LastStatus, LiveFeed
from api.domain.delivery.riders import RiderRegistry
from api.domain.delivery.settings import DeliverySettings
from api.domain.delivery.tracking import TrackingStore


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    db: Databases
    riders: RiderRegistry
    tracking: TrackingStore
    last_status: LastStatus
    feed: LiveFeed
    settings: DeliverySettings


class DeliveryJob:
    """Base of the jobs: the context's parts under their own names (``self.riders``, ``self.feed``...)."""

    def __init__(self, context: DeliveryContext) -> None:
        self.db, self.riders, self.tracking = context.db, context.riders, context.tracking
        self.last_status, self.feed, self.settings = context.last_status, context.feed, context.settings
