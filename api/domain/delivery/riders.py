"""Riders in Redis: who is online, where, and who is free. The hot half of delivery.

Per city (all keys share the hash tag ``{city}``, so a Redis Cluster keeps them in one slot and the
scripts below stay atomic there too):

- ``online``     GEO set of every online rider's live position (the map, the tracking feed)
- ``available``  GEO set of online riders without an order: the only set the assignment searches
- ``busy:<r>``   the order rider ``r`` is delivering; present exactly while the rider has an order
- ``claim:<o>``  the rider claimed for order ``o``, so a replayed OrderReady finds the same rider
- ``waiting``    orders that found no rider, oldest first, with their events in ``waiting:events``

The invariant "a rider is in ``available`` iff online and not busy" is kept by Lua scripts, which
Redis runs one at a time: the claim removes the rider from ``available`` and marks them busy in one
step, so two concurrent assignments can never take the same rider.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from api.domain.delivery.geo import city_key

PREFIX = "pizza:delivery"

# KEYS: available, claim(order). ARGV: lon, lat, radius_km, order_id, claim_ttl_s, busy key prefix.
_ASSIGN = """
local claimed = redis.call('GET', KEYS[2])
if claimed then return {claimed} end
local found = redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', ARGV[1], ARGV[2],
                         'BYRADIUS', ARGV[3], 'km', 'ASC', 'COUNT', 1, 'WITHDIST', 'WITHCOORD')
if #found == 0 then return false end
local rider = found[1][1]
redis.call('ZREM', KEYS[1], rider)
redis.call('SET', ARGV[6] .. rider, ARGV[4])
redis.call('SET', KEYS[2], rider, 'EX', ARGV[5])
return {rider, found[1][2], found[1][3][1], found[1][3][2]}
"""

# KEYS: online, available, busy(rider). ARGV: lon, lat, rider. Returns the order the rider is busy with, or ''.
_ONLINE = """
redis.call('GEOADD', KEYS[1], ARGV[1], ARGV[2], ARGV[3])
local busy = redis.call('GET', KEYS[3])
if busy then return busy end
redis.call('GEOADD', KEYS[2], ARGV[1], ARGV[2], ARGV[3])
return ''
"""

# KEYS: online, available, busy(rider). ARGV: rider. 1 = now offline, 0 = refused (busy).
_OFFLINE = """
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
"""

# KEYS: online, available, busy(rider), claim(order). ARGV: rider, order.
# 1 = released and available again, 2 = released but offline, 0 = not busy with this order (a replay).
_RELEASE = """
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[3])
if redis.call('GET', KEYS[4]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
local pos = redis.call('GEOPOS', KEYS[1], ARGV[1])[1]
if not pos then return 2 end
redis.call('GEOADD', KEYS[2], pos[1], pos[2], ARGV[1])
return 1
"""


@dataclass(frozen=True, slots=True)
class Claim:
    rider_id: uuid.UUID
    lat: float | None
    lon: float | None
    distance_km: float | None
    new: bool  # False: the order already had this rider (a replayed assignment)


@dataclass(frozen=True, slots=True)
class RiderPosition:
    rider_id: uuid.UUID
    city: str
    lat: float
    lon: float
    at: datetime
    order_id: uuid.UUID | None


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RiderRegistry:
    """Online riders, their positions and their claims, per city."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._assign = redis.register_script(_ASSIGN)
        self._online = redis.register_script(_ONLINE)
        self._offline = redis.register_script(_OFFLINE)
        self._release = redis.register_script(_RELEASE)

    # --- keys -----------------------------------------------------------------------------------
    @staticmethod
    def key(city: str, name: str) -> str:
        return f"{PREFIX}:{{{city_key(city)}}}:{name}"

    @staticmethod
    def rider_key(rider_id: uuid.UUID) -> str:
        return f"{PREFIX}:rider:{rider_id}"

    # --- rider side -----------------------------------------------------------------------------
    async def go_online(self, rider_id: uuid.UUID, city: str, lat: float, lon: float) -> uuid.UUID | None:
        """Show the rider on the map; make them assignable unless they still carry an order (returned)."""
        previous = _text(await self.redis.hget(self.rider_key(rider_id), "city"))  # type: ignore[misc]
        moving = previous is not None and city_key(previous) != city_key(city)
        if moving and not await self.go_offline(rider_id):
            raise RiderBusyError(rider_id)
        busy = _text(
            await self._online(
                keys=[self.key(city, "online"), self.key(city, "available"), self.key(city, f"busy:{rider_id}")],
                args=[lon, lat, str(rider_id)],
            )
        )
        await self._remember(rider_id, city, lat, lon)
        return uuid.UUID(busy) if busy else None

    async def go_offline(self, rider_id: uuid.UUID) -> bool:
        """Leave the map. False while the rider is busy with an order (finish it first)."""
        city = _text(await self.redis.hget(self.rider_key(rider_id), "city"))  # type: ignore[misc]
        if city is None:
            return True
        done = await self._offline(
            keys=[self.key(city, "online"), self.key(city, "available"), self.key(city, f"busy:{rider_id}")],
            args=[str(rider_id)],
        )
        if done:
            await self.redis.delete(self.rider_key(rider_id))
        return bool(done)

    async def move(self, rider_id: uuid.UUID, lat: float, lon: float) -> RiderPosition | None:
        """Record a new live position. None when the rider is not online."""
        city = _text(await self.redis.hget(self.rider_key(rider_id), "city"))  # type: ignore[misc]
        if city is None:
            return None
        member = str(rider_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.geoadd(self.key(city, "online"), [lon, lat, member])
            pipe.geoadd(self.key(city, "available"), [lon, lat, member], xx=True)
            pipe.get(self.key(city, f"busy:{rider_id}"))
            *_, busy = await pipe.execute()
        at = await self._remember(rider_id, city, lat, lon)
        order = _text(busy)
        return RiderPosition(rider_id, city, lat, lon, at, uuid.UUID(order) if order else None)

    async def position(self, rider_id: uuid.UUID) -> RiderPosition | None:
        raw = await self.redis.hgetall(self.rider_key(rider_id))  # type: ignore[misc]
        state = {_str(k): _str(v) for k, v in raw.items()}
        if "city" not in state:
            return None
        busy = _text(await self.redis.get(self.key(state["city"], f"busy:{rider_id}")))
        return RiderPosition(
            rider_id,
            state["city"],
            float(state["lat"]),
            float(state["lon"]),
            datetime.fromtimestamp(float(state["at"]), UTC),
            uuid.UUID(busy) if busy else None,
        )

    async def _remember(self, rider_id: uuid.UUID, city: str, lat: float, lon: float) -> datetime:
        now = time.time()
        await self.redis.hset(self.rider_key(rider_id), mapping={"city": city, "lat": lat, "lon": lon, "at": now})  # type: ignore[misc]
        return datetime.fromtimestamp(now, UTC)

    # --- assignment side ------------------------------------------------------------------------
    async def claim_nearest(
        self, city: str, order_id: uuid.UUID, lat: float, lon: float, radius_km: float, claim_ttl_s: int
    ) -> Claim | None:
        """Atomically take the nearest available rider within ``radius_km`` of (lat, lon) for the order."""
        result = await self._assign(
            keys=[self.key(city, "available"), self.key(city, f"claim:{order_id}")],
            args=[lon, lat, radius_km, str(order_id), claim_ttl_s, self.key(city, "busy:")],
        )
        if not result:
            return None
        rider = uuid.UUID(_text(result[0]))
        if len(result) == 1:
            pos = await self.redis.geopos(self.key(city, "online"), str(rider))
            where = pos[0] if pos else None
            return Claim(rider, where[1] if where else None, where[0] if where else None, None, new=False)
        dist, rider_lon, rider_lat = (float(_text(v) or 0) for v in result[1:4])
        return Claim(rider, rider_lat, rider_lon, dist, new=True)

    async def release(self, city: str, rider_id: uuid.UUID, order_id: uuid.UUID) -> int:
        """End the rider's order: available again if still online. Idempotent (0 for a replay)."""
        return int(
            await self._release(
                keys=[
                    self.key(city, "online"),
                    self.key(city, "available"),
                    self.key(city, f"busy:{rider_id}"),
                    self.key(city, f"claim:{order_id}"),
                ],
                args=[str(rider_id), str(order_id)],
            )
        )

    async def busy_with(self, city: str, rider_id: uuid.UUID) -> uuid.UUID | None:
        order = _text(await self.redis.get(self.key(city, f"busy:{rider_id}")))
        return uuid.UUID(order) if order else None

    async def available_count(self, city: str) -> int:
        return int(await self.redis.zcard(self.key(city, "available")))

    # --- orders waiting for a rider -------------------------------------------------------------
    async def wait(self, city: str, order_id: uuid.UUID, event_json: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key(city, "waiting"), {str(order_id): time.time()}, nx=True)
            pipe.hset(self.key(city, "waiting:events"), str(order_id), event_json)
            await pipe.execute()

    async def stop_waiting(self, city: str, order_id: uuid.UUID) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.key(city, "waiting"), str(order_id))
            pipe.hdel(self.key(city, "waiting:events"), str(order_id))
            await pipe.execute()

    async def waiting(self, city: str, limit: int) -> list[str]:
        """Events of the oldest orders still waiting for a rider (JSON)."""
        orders = [_str(o) for o in await self.redis.zrange(self.key(city, "waiting"), 0, limit - 1)]
        if not orders:
            return []
        events = await self.redis.hmget(self.key(city, "waiting:events"), orders)  # type: ignore[misc]
        return [_str(e) for e in events if e is not None]


class RiderBusyError(Exception):
    def __init__(self, rider_id: uuid.UUID) -> None:
        super().__init__(f"rider {rider_id} is delivering an order")
        self.rider_id = rider_id
