"""In a real browser: type a prompt, Generate on Demo, see the image, find it in the Gallery, download it,
and check the downloaded bytes. Also saves the README's screenshots of every page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROMPT = "A watercolor fox reading a book under a brass lamp"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=False)


def test_generate_see_it_in_the_gallery_and_download_a_png(page, e2e_server, wait_idle, go):
    assert page.locator("[data-testid='stSidebar']").get_by_text("Ready · ").count() == 1
    prompt = page.get_by_label("Prompt")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    page.wait_for_selector("text=≈ USD")                   # the cost line, before sending
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()

    result = page.locator("[data-testid='stText']", has_text=PROMPT)
    result.first.wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator("[data-testid='stImage'] img").count() == 1
    assert page.locator("[data-testid='stText']", has_text="demo · 1024×1024 · medium").count() == 1
    _shot(page, "generate.png")

    go(page, "Gallery")
    caption = page.locator("[data-testid='stText']", has_text=PROMPT).first
    caption.wait_for()
    # The shared app may hold other tests' results too: look only at this prompt's cell (newest first).
    cell = caption.locator("xpath=ancestor::div[@data-testid='stColumn'][1]")
    assert cell.locator("[data-testid='stImage'] img").count() == 1
    with page.expect_download() as info:
        cell.locator("[data-testid='stDownloadButton'] button", has_text="PNG").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    data = Path(download.path()).read_bytes()
    img = Image.open(io.BytesIO(data))
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and img.format == "PNG"
    assert img.size == (1024, 1024)
    assert img.text["prompt"] == PROMPT
    # The Gallery's README screenshot is test_gallery_e2e's (1366×768, a full page of images).

    # Every page opens cleanly after a generation. Their README screenshots are taken by each page's own
    # e2e test, which shows the page in use rather than empty.
    for title in ("Edit", "Tasks", "Usage"):
        go(page, title)
        assert page.locator("[data-testid='stException']").count() == 0
