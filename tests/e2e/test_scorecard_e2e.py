"""In a real browser at 1366×768: run the conformance scorecard on the Demo from the Scorecard page. The run
button, the suite's (free) cost and every check's verdict fit the first screen; that screen is the README's
screenshot. Then a misbehaviour switch makes the next run's sizes check fail, and the history says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHECKS = ["sizes", "n", "output_format", "output_compression", "background", "mask", "errors", "cost",
          "revised_prompt", "latency"]
VERDICTS = ["pass"] * 8 + ["n/a"] * 2


def _rows(page) -> list[tuple[str, str]]:
    table = page.locator("[data-testid='stTable']").first
    return [(r.locator("td").nth(1).inner_text(), r.locator("td").nth(0).inner_text())
            for r in table.locator("tbody tr").all()]


def test_the_demo_scorecard_runs_in_the_browser_and_fits_the_first_screen(browser, e2e_server, wait_idle, go):
    e2e_server.sim.reset()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Scorecard")
        assert page.get_by_text("Demo (offline simulator): 18 probes, free (simulated)").count() == 1
        page.get_by_role("button", name="Run scorecard").click()
        page.wait_for_selector("[data-testid='stTable'] >> text=latency")
        wait_idle(page)
        assert _rows(page) == list(zip(CHECKS, VERDICTS))
        assert page.get_by_text("8 pass").count() == 1

        # The action and the whole result are on the first screen.
        button = page.get_by_role("button", name="Run scorecard").bounding_box()
        last_row = page.locator("[data-testid='stTable'] tbody tr").last.bounding_box()
        assert button["y"] + button["height"] <= 768 and last_row["y"] + last_row["height"] <= 768, (button, last_row)
        png = page.screenshot(path=str(SHOTS / "scorecard.png"))
        assert Image.open(io.BytesIO(png)).size == (1366, 768)

        e2e_server.sim.set_faults([{"kind": "wrong_size"}])
        page.get_by_role("button", name="Run scorecard").click()
        page.wait_for_selector("[data-testid='stTable'] >> text=10 of 10 wrong")
        wait_idle(page)
        assert _rows(page)[0] == ("sizes", "fail")
        changes = page.locator("[data-testid='stTable']").nth(1)
        assert "pass → fail" in changes.inner_text()
    finally:
        e2e_server.sim.set_faults([])
        context.close()
