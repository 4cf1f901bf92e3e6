"""In a real browser: submit a gccai task (async by the provider's nature), reload the page, which starts a new
Streamlit session, and find the job on the Tasks page, live, until it completes with its image."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROMPT = "A paper crane folding itself on a windowsill at dawn"


def test_an_async_job_survives_a_reload_and_completes_on_the_tasks_page(page, e2e_server, wait_idle, go):
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="gccai", exact=False).first.click()
    wait_idle(page)
    assert sidebar.get_by_text("Ready · ").count() == 1
    # Demo's remembered size (1024x1024) is not a gccai choice: the box must show gccai's default ratio,
    # not Demo's stale label.
    assert page.get_by_role("combobox", name="Aspect ratio").input_value() == "1:1"

    prompt = page.get_by_label("Prompt")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()
    wait_idle(page)
    submitted = e2e_server.sim.requests("/gccai/v1/images/generations")
    assert any(r.json and r.json.get("prompt") == PROMPT for r in submitted)

    # A reload is a new browser session: nothing of the old one's state survives but the store.
    page.reload()
    wait_idle(page)
    go(page, "Tasks")
    prompt_text = page.locator("[data-testid='stText']", has_text=PROMPT).first
    prompt_text.wait_for()
    # The job's bordered card: the prompt sits in its first column, whose block is nested in the card's.
    card = prompt_text.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][2]")
    if card.get_by_text("Completed").count() == 0:
        # Still running after the reload: the live list shows its progress and then completes by itself.
        assert card.locator("[data-testid='stProgress']").count() == 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "tasks.png"), full_page=False)

    card.get_by_text("Completed").wait_for(timeout=120_000)
    card.locator("[data-testid='stImage'] img").first.wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "tasks.png"), full_page=False)
