"""Settings pointed elsewhere for a while: environment variables set, the cached settings re-read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.settings import get_pipeline_settings
from pizza.config import get_platform_settings


@contextmanager
def environment(**env: str) -> Iterator[None]:
    """Set ``env`` for the duration (then restore it), clearing the settings caches on both sides."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_platform_settings.cache_clear()
    get_pipeline_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_platform_settings.cache_clear()
        get_pipeline_settings.cache_clear()
