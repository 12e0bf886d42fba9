"""``/health`` (liveness: the process answers), ``/ready`` (readiness: every store answers), ``/metrics``.

Liveness never looks at the stores: a store outage must not get healthy API workers restarted. Readiness
does, so a load balancer stops routing to a worker that could only answer 503 meanwhile. Everyone gets
``/ready``'s status code and word; only ops callers (``access``) get the per-store checks and ``/metrics``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.plugins.prometheus import PrometheusController
from litestar.response import Response

from api.db.probes import OK, probe_stores
from api.domain.system.access import may_read_ops_detail, ops_only
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
    async def ready(self, state: State, request: Request[Any, Any, Any]) -> Response[Readiness]:
        checks = await probe_stores(state.db, state.redis, state.mongo)
        ok = all(v == OK for v in checks.values())
        body = Readiness(status="ok" if ok else "unavailable", checks=checks if may_read_ops_detail(request) else None)
        return Response(body, status_code=200 if ok else 503)


class MetricsController(PrometheusController):
    path = "/metrics"
    opt = {"exclude_from_auth": True}
    include_in_schema = False
    guards = [ops_only]
