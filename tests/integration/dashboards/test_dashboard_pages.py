"""Every dashboard page renders over the built marts in Streamlit's AppTest, with the right numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import APP
from streamlit.testing.v1 import AppTest
from warehouse_fixture import CITIES, BuiltWarehouse, built_with_recommendations

pytestmark = pytest.mark.integration

PAGES = {
    "views/overview.py": ["Orders", "Revenue (USD)", "Avg order value", "Delivery time (min)", "Cancellation rate"],
    "views/orders_map.py": ["Busiest city", "Cities with orders"],
    "views/demand.py": ["Orders", "Peak slot"],
    "views/delivery_sla.py": ["Delivered", "On time", "Avg delivery", "P90 delivery", "Avg promise"],
    "views/cohorts.py": ["Customers acquired", "Back in week 1"],
    "views/restaurants.py": ["Best rated", "Most orders"],
    "views/marketing.py": ["Customers with orders", "Champions"],
}
TIMEZONES = {c.name: ZoneInfo(c.timezone) for c in CITIES}


def _app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def _metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _orders_in_default_range(built: BuiltWarehouse, city: str | None = None, days: int = 28) -> int:
    local_days = [
        o["created_at"].astimezone(TIMEZONES[o["city"]]).date()
        for o in built.data.rows("orders")
        if city is None or o["city"] == city
    ]
    latest = max(o["created_at"].astimezone(TIMEZONES[o["city"]]).date() for o in built.data.rows("orders"))
    return sum(1 for d in local_days if latest - timedelta(days=days - 1) <= d <= latest)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_its_metrics(marts: BuiltWarehouse, page: str) -> None:
    app = _app()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    metrics = _metrics(app)
    assert list(metrics) == PAGES[page]
    assert all(value not in ("", "-", "0") for value in metrics.values()), metrics


def test_overview_counts_the_orders_of_the_default_period(marts: BuiltWarehouse) -> None:
    app = _app()
    assert _metrics(app)["Orders"] == f"{_orders_in_default_range(marts):,}"
    assert app.metric[0].delta is not None  # compared with the previous period


def test_city_filter_applies_to_the_kpis(marts: BuiltWarehouse) -> None:
    app = _app()
    app.sidebar.multiselect(key="filter_cities").set_value(["Tokyo"]).run()
    assert not app.exception, app.exception
    assert _metrics(app)["Orders"] == f"{_orders_in_default_range(marts, 'Tokyo'):,}"
    restaurant_choices = app.sidebar.multiselect(key="filter_restaurants").options
    assert len(restaurant_choices) == 2  # only Tokyo's restaurants are offered


def test_marketing_page_says_the_feed_is_missing_until_the_job_has_run(marts: BuiltWarehouse) -> None:
    app = _app()
    app.switch_page("views/marketing.py").run()
    assert any("No recommendation feed yet" in info.value for info in app.info)


def test_marketing_page_previews_the_feed_once_published(
    marts: BuiltWarehouse, point_at: Callable[[Path], None]
) -> None:
    point_at(built_with_recommendations(marts).snapshot)
    app = _app()
    app.switch_page("views/marketing.py").run()
    assert not app.exception, app.exception
    assert not any("No recommendation feed yet" in info.value for info in app.info)
    assert int(_metrics(app)["Customers with recommendations"].replace(",", "")) > 0
    assert len(app.dataframe) == 3  # item pairs, feed coverage, feed preview


def test_app_explains_a_missing_snapshot(point_at: Callable[[Path], None], tmp_path: Path) -> None:
    point_at(tmp_path / "nothing.duckdb")
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert any("pizza dbt build" in error.value for error in app.error)


def test_filters_follow_the_analyst_to_the_next_page(marts: BuiltWarehouse) -> None:
    app = _app()
    app.sidebar.multiselect(key="filter_cities").set_value(["Tokyo"]).run()
    app.switch_page("views/demand.py").run()
    assert not app.exception, app.exception
    assert app.sidebar.multiselect(key="filter_cities").value == ["Tokyo"]
    assert _metrics(app)["Orders"] == f"{_orders_in_default_range(marts, 'Tokyo'):,}"
