"""Dependency providers of the support domain."""

from __future__ import annotations

from api.db import Databases
from api.domain.support.services import SupportService


def provide_support_service(db: Databases) -> SupportService:
    return SupportService(db)
