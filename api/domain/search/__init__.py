"""Search over restaurants and dishes, behind the ``SearchBackend`` protocol (Postgres by default)."""

from api.domain.search.backends import SearchBackend, build_backend
from api.domain.search.controllers import SearchController

controllers = [SearchController]
__all__ = ["SearchBackend", "build_backend", "controllers"]
