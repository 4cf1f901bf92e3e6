"""In a real browser: the Usage page over a seeded demo log (what a team demo shows), with its KPIs and charts
drawn, the demo label shown, and the README's screenshot taken.

It runs last among the e2e tests (file order): the seeded rows would otherwise count in the load test's log."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_usage_page_shows_kpis_and_charts_for_a_seeded_demo_log(page, e2e_server, go):
    from easel import usage
    from easel.store import Store
    from easel.usage.seed import seed_usage

    store = Store(e2e_server.data_dir / "easel.db")
    assert seed_usage(store, 3000, days=30, seed=7) == 3000
    board = usage.dashboard(store, usage.Filters())
    store.close()

    go(page, "Usage")

    # The demo label counts the same simulated requests as the core's dashboard does.
    label = f"{board.simulated_requests:,} of these {board.total_requests:,} requests"
    page.get_by_text(label, exact=False).wait_for()
    # Every KPI is drawn (elements stream in while the script runs, so wait for each rather than for idle),
    # and the first chart has rendered (Vega draws into a canvas or an svg).
    for kpi in ("Spend today", "Spend this month", "Images", "Success rate", "Median latency"):
        page.locator("[data-testid='stMetricLabel']", has_text=kpi).first.wait_for()
    assert page.get_by_text(label, exact=False).count() == 1
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "usage.png"), full_page=False)
