"""Settings of the order saga process (``PIZZA_SAGA_*``): its deadlines, its consumers and its timer.

``pizza saga run`` reads this one object. Where Postgres, Kafka, Redis and MongoDB live comes from
``pizza.config``; how payments, delivery and notifications behave comes from their own settings.
Defaults suit production-like timing; tests shorten the deadlines and the Kafka session.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Purpose = Literal["saga", "notifications", "live", "coupons"]


class SagaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIZZA_SAGA_", env_file=".env", extra="ignore")

    # --- deadlines (seconds from entering the waiting state) --------------------------------------
    payment_timeout_s: float = Field(600, gt=0, description="no payment outcome by then: cancel the order")
    kitchen_timeout_s: float = Field(900, gt=0, description="paid but not accepted by then: refund")
    rider_timeout_s: float = Field(600, gt=0, description="ready but no rider by then: retry once, then escalate")
    ops_email: str = Field("ops@pizza-platform.dev", description="who is told about escalated sagas")

    # --- the timer ----------------------------------------------------------------------------------
    timer_interval_s: float = Field(1.0, gt=0, description="sleep between scans when nothing was due")
    timer_batch: int = Field(100, ge=1, description="due sagas handled per shard per scan")
    timer_retry_s: float = Field(30.0, gt=0, description="a timeout step that failed is tried again after this")

    # --- the consumers ------------------------------------------------------------------------------
    consumers: list[Purpose] = Field(
        default=["saga", "notifications", "live", "coupons"],
        description="which consumer groups this process runs (JSON list); scale each separately if needed",
    )
    run_timer: bool = Field(True, description="run the deadline timer in this process")
    group_prefix: str = Field("pizza-", description="Kafka group id = <prefix><purpose>")
    session_timeout_ms: int = Field(10_000, ge=1000, description="Kafka group session; a few seconds locally")
    poll_timeout_s: float = Field(0.5, gt=0)
    batch_size: int = Field(100, ge=1, description="messages handled between offset commits")
    handler_attempts: int = Field(5, ge=1, description="tries of a message on transient errors before re-polling")
    handler_backoff_s: float = Field(0.2, ge=0, description="first wait between tries; doubles, at most 5 s")
    kafka_consumer: dict[str, str] = Field(default_factory=dict, description="extra librdkafka settings (JSON)")

    # --- process ------------------------------------------------------------------------------------
    pg_pool_max: int = Field(10, ge=2, description="connections per shard pool (a step holds two at most)")
    metrics_port: int = Field(9103, ge=0, description="/metrics, /health and /ready port; 0 = off")
    stale_after_s: float = Field(120.0, gt=0, description="/health turns 503 when a loop has not beaten for this")
    readiness_interval_s: float = Field(2.0, gt=0, description="how often /ready's store probes and loop checks run")


@lru_cache
def get_saga_settings() -> SagaSettings:
    return SagaSettings()
