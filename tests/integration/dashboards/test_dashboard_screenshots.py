"""Every page served by `streamlit run` and rendered by a real headless Chromium, screenshotted.

Screenshots land in test-artifacts/dashboards/<page>.png (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import APP
from support.serving import free_port
from warehouse_fixture import BuiltWarehouse

from pizzactl.cli.analytics import streamlit_command

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = APP.parents[1] / "test-artifacts" / "dashboards"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# url path -> what must be drawn before the screenshot
PAGES = {
    "overview": ".js-plotly-plot .main-svg",
    "orders_map": '[data-testid="stDeckGlJsonChart"] canvas',
    "demand": ".js-plotly-plot .main-svg",
    "delivery_sla": ".js-plotly-plot .main-svg",
    "cohorts": ".js-plotly-plot .main-svg",
    "restaurants": ".js-plotly-plot .main-svg",
    "marketing": ".js-plotly-plot .main-svg",
}


@pytest.fixture(scope="module")
def server(built: BuiltWarehouse) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PIZZA_DASHBOARDS_MARTS_PATH": str(built.snapshot)}
    log = (built.root / "streamlit.log").open("w")
    process = subprocess.Popen(
        streamlit_command(port=port, address="127.0.0.1"), env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (built.root / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "streamlit did not become healthy"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_every_page_renders_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for path, drawn in PAGES.items():
                page.goto(f"{server}/{path}", wait_until="domcontentloaded")
                page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
                page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
                page.wait_for_selector(drawn, timeout=60_000)
                page.wait_for_timeout(800)  # let charts finish their transitions
                page.screenshot(path=str(ARTIFACTS / f"{path}.png"), full_page=True)
                assert page.locator('[data-testid="stException"]').count() == 0, path
                values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
                assert values, path
                assert all(v.strip() not in ("", "-") for v in values), (path, values)
                assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 2, path
        finally:
            browser.close()
    assert sorted(p.stem for p in ARTIFACTS.glob("*.png")) == sorted(PAGES)
