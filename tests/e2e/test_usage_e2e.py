"""In a real browser at 1366×768: the Usage page over a seeded demo log and one real request (what a team demo
shows). It opens on real usage only, one day of it: one narrow bar, KPIs that fit their tiles, a page far
shorter than the old 5,000 px. The switch then brings the simulated requests in, labelled as such, and the
README's screenshot is taken.

It runs last among the e2e tests (file order): the seeded rows would otherwise count in the load test's log."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
KPIS = ("Spend today", "Spend this week", "Spend this month", "Spend in range", "Images", "Average cost per image",
        "Success rate", "Median latency")
_TRUNCATED = """() => [...document.querySelectorAll("[data-testid='stMetricValue']")].map(v =>
    [v.innerText, [v, ...v.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth)])"""
_SCROLL_HEIGHT = """() => Math.max(document.scrollingElement.scrollHeight, ...[...document.querySelectorAll(
    "[data-testid='stMain'], [data-testid='stAppViewContainer']")].map(e => e.scrollHeight))"""


def _widest_coloured_run(png: bytes) -> tuple[int, int]:
    """The widest run of adjacent pixel columns holding any strongly coloured pixel (bars, legend swatches; not
    the grey axes, grid and text), and the image's width."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = img.size
    px = img.load()
    best = run = 0
    for x in range(width):
        coloured = any(max(px[x, y]) - min(px[x, y]) > 60 for y in range(0, height, 2))
        run = run + 1 if coloured else 0
        best = max(best, run)
    return best, width


def _kpis_fit(page) -> None:
    for kpi in KPIS:
        page.locator("[data-testid='stMetricLabel']", has_text=kpi).first.wait_for()
    values = page.evaluate(_TRUNCATED)
    assert len(values) == len(KPIS)
    assert not [text for text, cut in values if cut], values


def test_usage_page_shows_kpis_and_charts_for_a_seeded_demo_log(page, e2e_server, go, wait_idle):
    from easel import usage
    from easel.store import Store
    from easel.usage.seed import seed_usage

    store = Store(e2e_server.data_dir / "easel.db")
    assert seed_usage(store, 3000, days=30, seed=7) == 3000
    # One real request, now: with it in the log, Demo usage is hidden until asked for.
    real = store.create_job(provider="icodeeasy", status="completed", prompt="a real harbour", n=1, currency="CNY",
                            cost_estimated=0.2, key_fingerprint="fp-real-e2e", quality="medium",
                            created_at=time.time() - 1)
    store.update_job(real, cost_actual=0.2, latency_s=30.0, finished_at=time.time())
    board = usage.dashboard(store, usage.Filters())
    real_only = usage.dashboard(store, usage.Filters(include_simulated=False))
    store.close()
    assert real_only.daily["date"].nunique() == 1, "the real requests (this and earlier tests') are all today's"

    page.set_viewport_size({"width": 1366, "height": 768})
    go(page, "Usage")
    _kpis_fit(page)
    hidden = f"{board.simulated_requests:,} simulated Demo requests in this range are hidden"
    page.get_by_text(hidden, exact=False).wait_for()

    # One day of data: one bar, a day wide, not a block across the chart.
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart.locator("canvas, svg").first.wait_for()
    page.wait_for_timeout(500)                        # Vega draws after the element appears
    bar, width = _widest_coloured_run(chart.screenshot())
    assert 0 < bar < width / 2, (bar, width)
    assert chart.bounding_box()["y"] < 768, "the main chart starts on the first screen"
    assert page.evaluate(_SCROLL_HEIGHT) < 2500

    # The switch brings the simulated requests in, labelled, and counted as the core's dashboard counts them.
    page.locator("[data-testid='stCheckbox']").filter(has_text="Simulated usage").click()
    wait_idle(page)
    label = f"{board.simulated_requests:,} of these {board.total_requests:,} requests"
    page.get_by_text(label, exact=False).wait_for()
    assert page.get_by_text(label, exact=False).count() == 1
    assert page.get_by_text("not charged", exact=False).count() >= 1
    _kpis_fit(page)
    page.locator("[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.evaluate(_SCROLL_HEIGHT) < 2500
    assert page.locator("[data-testid='stException']").count() == 0
    page.evaluate("() => document.querySelectorAll(\"[data-testid='stMain']\").forEach(e => e.scrollTo(0, 0))")
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "usage.png"), full_page=False)


def test_reconciliation_tab_flags_an_overbill_and_a_billed_failure(page, e2e_server, go, wait_idle):
    """Real jobs over loopback HTTP to the app's simulator, written to the app's own log: one faithful openai-hk
    request, one with `overbill`, one gccai task with `bill_failure`. The tab lists exactly the two, with their
    reasons, and the README's screenshot is taken."""
    from easel.jobs.job_service import JobService
    from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest
    from easel.store import Store

    sim = e2e_server.sim
    sim.configure(task_duration=0.2)
    service = JobService(Store(e2e_server.data_dir / "easel.db"),
                         poll_schedule=PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1,
                                                    deadline_s=10.0))
    clients = {p: ProviderClient(simulated_profile(get_profile(p), sim.url), "sk-e2e-reconcile-0123456789")
               for p in ("openai-hk", "gccai")}
    try:
        def run(provider: str, **kw):
            job = service.wait(service.submit(clients[provider], ImageRequest(prompt="a red fox", **kw)), timeout=30)
            assert job.is_terminal, job.status
            return job

        run("openai-hk", size="1024x1024", quality="low")
        sim.set_faults([{"kind": "overbill", "provider": "openai-hk", "times": 1}])
        over = run("openai-hk", size="1024x1024", quality="low")
        sim.set_faults([{"kind": "bill_failure", "provider": "gccai", "times": 1}])
        failed = run("gccai", size="1:1", resolution="1k", quality="medium")
    finally:
        sim.set_faults([])
        for c in clients.values():
            c.close()
        service.close()
    assert failed.status == "failed" and failed.cost_reported == 0.04

    page.set_viewport_size({"width": 1366, "height": 768})
    go(page, "Usage")
    # These jobs ran on the simulator (labelled simulated); once the log holds real usage they are hidden.
    toggle = page.locator("[data-testid='stCheckbox']").filter(has_text="Simulated usage")
    if not toggle.locator("input").is_checked():
        toggle.click()
        wait_idle(page)
    page.get_by_role("tab", name="Reconciliation").click()
    wait_idle(page)
    page.get_by_text("1 row differs beyond the tolerance · 1 failed request billed.").wait_for()
    grids = page.locator("[data-testid='stDataFrame']:visible")
    grids.nth(2).wait_for()
    assert grids.count() == 3                         # differs, billed but failed, totals
    assert page.get_by_text("Differs beyond tolerance (1)").count() == 1
    assert page.get_by_text("Billed but failed (1)").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    page.wait_for_timeout(500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reconcile.png"), full_page=False)
    assert over.id and failed.id
