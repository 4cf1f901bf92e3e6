"""End to end in headless Chromium at 1366×768: the Prompts page adds the starter library; on Generate the
Saved prompts picker filters as the user types, ↓ and Enter choose, and a template's values make a batch whose
count and total show before anything is sent. Saves docs/screenshots/prompts.png (the Prompts page),
docs/screenshots/prompts-picker.png (the picker filtering) and prompts-batch.png (a template's batch)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREEN = {"width": 1366, "height": 768}


def test_starter_library_then_pick_a_template_on_generate(e2e_server, page, wait_idle, go):
    sim = e2e_server.sim
    sim.reset()
    page.set_viewport_size(SCREEN)
    go(page, "Prompts")
    empty = page.locator(".st-key-lib-starter-empty button")
    if empty.count():                      # a fresh data dir; a rerun of this test finds the library filled
        empty.click()
        wait_idle(page)
    page.wait_for_selector("text=20 of 20 prompts")
    assert page.locator("[class*='st-key-lib-card-']").count() == 20
    page.wait_for_selector("[data-testid='stToast']", state="detached", timeout=20_000)
    page.mouse.move(0, 0)
    page.screenshot(path=str(SHOTS / "prompts.png"))

    go(page, "Generate")
    picker = page.locator(".st-key-gen-library [data-testid='stSelectbox']")
    picker.click()
    page.keyboard.type("poster")            # a tag: the four posters, in English, Chinese and Korean
    options = page.get_by_role("option")
    assert [o.split(" — ")[0] for o in options.all_inner_texts()] == [
        "Poster: music festival · poster, en", "Poster: retro travel · poster, en, template",
        "海报：中国风节日 · poster, zh", "포스터: 카페 오픈 안내 · poster, ko"]
    page.screenshot(path=str(SHOTS / "prompts-picker.png"))
    page.keyboard.press("ArrowDown")        # the first option is highlighted as the list opens: ↓ is the second
    page.keyboard.press("Enter")
    wait_idle(page)
    prompt = page.get_by_role("textbox", name="Prompt")
    assert prompt.input_value().startswith("A retro travel poster for {city}, bold flat shapes")
    city = page.locator(".st-key-gen-var-city input")
    city.fill("Kyoto | Lisbon")
    city.press("Enter")
    wait_idle(page)
    page.wait_for_selector(r"text=/^2 jobs · total ≈ USD /")
    review = page.locator(".st-key-gen-batch-review button")
    box = review.bounding_box()
    assert box["y"] + box["height"] <= SCREEN["height"]            # the action is in the first screen
    assert [r for r in sim.requests() if r.endpoint != "models"] == []        # nothing sent yet
    page.mouse.move(0, 0)
    page.screenshot(path=str(SHOTS / "prompts-batch.png"))
    review.click()
    wait_idle(page)
    page.wait_for_selector("text=Send 2 jobs to")
    assert re.search(r"Kyoto", page.locator(".st-key-gen-batch-confirm").inner_text())


def test_import_reports_bad_entries_and_export_round_trips(e2e_server, page, wait_idle, go, tmp_path):
    import json

    go(page, "Prompts")
    bad = tmp_path / "team.json"
    bad.write_text(json.dumps({"format": "easel-prompt-library", "version": 1, "prompts": [
        {"title": "Team: hero bottle", "prompt": "a {color} bottle on white", "tags": ["team"]},
        {"title": "Team: no prompt"},
        {"title": "Team: bad tags", "prompt": "a kite", "tags": "team"}]}), encoding="utf-8")
    page.get_by_role("button", name="Import").click()
    page.locator(".st-key-lib-import-file input[type='file']").set_input_files(str(bad))
    wait_idle(page)
    page.locator(".st-key-lib-import-go button").click()
    wait_idle(page)
    page.wait_for_selector("text=Import: 1 added, 2 rejected.")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "Entry 2: the prompt is missing or empty (rule prompt_required)" in body
    assert "Entry 3: tags must be a list of strings (rule tags_not_strings)" in body
    with page.expect_download() as info:
        page.get_by_role("button", name="Export", exact=True).click()
    doc = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert info.value.suggested_filename == "easel-prompts.json"
    assert {"title": "Team: hero bottle", "prompt": "a {color} bottle on white", "tags": ["team"], "settings": {}} \
        in doc["prompts"]
