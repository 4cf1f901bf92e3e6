"""PNG Info end to end in headless Chromium at 1366×768: a Generate result on the Demo, downloaded as PNG, carries
Easel's chunk and A1111's `parameters`; dropped on the PNG Info page it shows its prompt and settings, and
"Use in Generate" fills the Generate form. Saves the README's screenshot (docs/screenshots/png_info.png)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREEN = {"width": 1366, "height": 768}
PROMPT = "一只橘猫 reading a map under a lamp, watercolor"


def test_a_downloaded_png_reads_back_on_png_info_and_fills_generate(page, wait_idle, go, tmp_path):
    page.set_viewport_size(SCREEN)
    wait_idle(page)
    prompt = page.get_by_label("Prompt")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("radio", name="high").check(force=True)
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()
    caption = page.locator("[data-testid='stText']", has_text=PROMPT).first
    caption.wait_for(timeout=60_000)
    wait_idle(page)
    cell = caption.locator("xpath=ancestor::div[@data-testid='stColumn'][1]")
    with page.expect_download() as info:
        cell.locator("[data-testid='stDownloadButton'] button", has_text="PNG").first.click()
    data = Path(info.value.path()).read_bytes()
    text = Image.open(io.BytesIO(data)).text
    assert set(text) == {"easel", "parameters", "Software"}
    assert text["parameters"].startswith(f"{PROMPT}\nProvider: demo, Model: gpt-image-2, ")
    assert "Quality: high" in text["parameters"] and "Size: 1024x1024" in text["parameters"]
    dropped = tmp_path / "from-easel.png"
    dropped.write_bytes(data)
    # The form moves on, so filling it back is seen.
    page.get_by_role("textbox", name="Prompt").fill("something else entirely")
    page.get_by_role("radio", name="low").check(force=True)
    wait_idle(page)

    go(page, "PNG Info")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(dropped))
    page.wait_for_selector("[data-testid='stDataFrame']")
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    assert main.get_by_text("Written by Easel · Prompt").is_visible()
    assert main.locator("[data-testid='stText']", has_text=PROMPT).first.inner_text() == PROMPT
    use = page.get_by_role("button", name="Use in Generate")
    box = use.bounding_box()
    assert box and box["y"] + box["height"] <= SCREEN["height"]          # the action is in the first screen
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "png_info.png"))

    use.click()
    page.wait_for_selector("h1:has-text('Generate')")
    wait_idle(page)
    assert page.get_by_role("textbox", name="Prompt").input_value() == PROMPT
    assert page.get_by_role("radio", name="high").is_checked()

    # Use in Edit: Edit's own form keys are set before Edit draws them, in a real browser too.
    go(page, "PNG Info")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(dropped))
    page.wait_for_selector("[data-testid='stDataFrame']")
    wait_idle(page)
    page.get_by_role("button", name="Use in Edit").click()
    page.wait_for_selector("h1:has-text('Edit')")
    wait_idle(page)
    assert page.get_by_role("textbox", name="What should change?").input_value() == PROMPT
