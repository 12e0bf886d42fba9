"""`.env.example` is generated from the settings classes: a setting added, renamed or re-defaulted in code
and not in the file (or the other way round) fails here."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from pydantic_settings import BaseSettings

from pizza.config import REPO_ROOT
from pizzactl.cli.env_example import SETTINGS, render

pytestmark = pytest.mark.unit
PACKAGES = ("api", "streaming", "pipelines", "dashboards", "pizza", "pizzactl")


def test_the_committed_file_is_what_the_settings_classes_render() -> None:
    committed = (REPO_ROOT / ".env.example").read_text()
    assert committed == render(), "run `uv run pizza env-example --write` and commit .env.example"


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_all_subclasses(c) for c in found)) if found else found


def test_every_settings_class_of_the_platform_is_listed() -> None:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if module.name.endswith("settings") or module.name.endswith(("config", "apps", "analytics")):
                importlib.import_module(module.name)
    ours = {c for c in _all_subclasses(BaseSettings) if c.__module__.split(".")[0] in PACKAGES}
    assert ours == {cls for cls, _ in SETTINGS}
