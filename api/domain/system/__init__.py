"""Health, readiness and metrics."""

from api.domain.system.controllers import MetricsController, SystemController

controllers = [SystemController, MetricsController]
__all__ = ["controllers"]
