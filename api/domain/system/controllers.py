"""``/health`` (the process is up), ``/ready`` (every store answers), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.plugins.prometheus import PrometheusController
from litestar.response import Response

from api.domain.system.schemas import Health, Readiness


class SystemController(Controller):
    tags = ["system"]
    opt = {"exclude_from_auth": True}

    @get("/health", operation_id="Health", summary="Liveness: the process answers")
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="Ready",
        summary="Readiness: catalog, every shard, Redis and MongoDB answer",
        responses={503: ResponseSpec(data_container=Readiness, description="a store does not answer")},
    )
    async def ready(self, state: State) -> Response[Readiness]:
        checks: dict[str, str] = {}

        async def probe(name: str, coro: Any) -> None:
            try:
                await asyncio.wait_for(coro, timeout=2)
                checks[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - report any failure as not ready
                checks[name] = f"error: {type(exc).__name__}"

        async def pg(pool: Any) -> None:
            async with pool.connection() as conn:
                await conn.execute("SELECT 1")

        db = state.db
        probes = [probe("catalog", pg(db.catalog))]
        probes += [probe(name, pg(pool)) for name, pool in db.shards.items()]
        probes += [probe("redis", state.redis.ping()), probe("mongo", state.mongo.command("ping"))]
        await asyncio.gather(*probes)
        ok = all(v == "ok" for v in checks.values())
        return Response(Readiness(status="ok" if ok else "unavailable", checks=checks), status_code=200 if ok else 503)


class MetricsController(PrometheusController):
    path = "/metrics"
    opt = {"exclude_from_auth": True}
    include_in_schema = False
