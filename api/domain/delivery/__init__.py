"""Kitchen-to-door: riders online/offline and their live positions (Redis GEO), nearest-rider
assignment with an atomic claim, tracking history (MongoDB) and live order updates (WebSockets)."""

from api.domain.delivery.controllers import RiderController, TrackingController
from api.domain.delivery.live import LiveChannels, LiveFeed, RedisFeed, order_channel, rider_channel
from api.domain.delivery.plugin import DeliveryPlugin
from api.domain.delivery.services import DeliveryService, assigned_rider

controllers = [RiderController, TrackingController]
__all__ = [
    "DeliveryPlugin",
    "DeliveryService",
    "LiveChannels",
    "LiveFeed",
    "RedisFeed",
    "assigned_rider",
    "controllers",
    "order_channel",
    "rider_channel",
]
