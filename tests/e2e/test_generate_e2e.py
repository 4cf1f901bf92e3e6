"""In a real browser: type a prompt, Generate on Demo, see the image in the first screen (at 1366×768 and
1920×1080, with no scrolling), find it in the Gallery, download it, and check the downloaded bytes. Also
saves the README's screenshots of Generate (at 1366×768, the image in view) and the Gallery."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PROMPT = "A watercolor fox reading a book under a brass lamp"
# Other tests' prompts share no text with PROMPT: the Gallery test finds its own image by that text.
FIRST_SCREEN = {(1366, 768): "Paper lanterns drifting over a river at dusk, gouache",
                (1920, 1080): "A lighthouse in a storm, oil on canvas"}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=False)


def _scrolled(page) -> list[str]:
    """Every element scrolled away from its top (Streamlit scrolls stMain, not the window): empty when the user
    has not had to scroll."""
    return page.evaluate("""() => [document.scrollingElement, ...document.querySelectorAll('*')]
        .filter(e => e.scrollTop > 0).map(e => (e.dataset && e.dataset.testid) || e.tagName)""")


def _generate(page, wait_idle, prompt_text: str, *, n: int = 1) -> None:
    """Type the prompt (and n), press Generate, wait for this prompt's result captions, without scrolling."""
    prompt = page.get_by_label("Prompt")
    prompt.fill(prompt_text)
    prompt.press("Control+Enter")
    wait_idle(page)
    if n != 1:
        field = page.get_by_role("spinbutton", name="Images (n)")
        field.fill(str(n))
        field.press("Enter")
        wait_idle(page)
    page.wait_for_selector("text=≈ USD")                   # the cost line, before sending
    go = page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']"))
    box = go.bounding_box()
    viewport = page.viewport_size
    assert box and box["y"] + box["height"] <= viewport["height"], (box, viewport)     # Generate in view
    go.click()
    result = page.locator("[data-testid='stText']", has_text=prompt_text)
    result.first.wait_for(timeout=60_000)
    wait_idle(page)
    page.wait_for_function(f"document.querySelectorAll(\"[data-testid='stImage'] img\").length >= {n}")


def _result_boxes(page) -> list[dict]:
    """The result images' boxes, as the browser lays them out, once each has its size."""
    images = page.locator("[data-testid='stImage'] img")
    page.wait_for_function("[...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    return [images.nth(i).bounding_box() for i in range(images.count())]


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_the_result_is_in_the_first_screen(page, wait_idle, width, height):
    """After Generate the image is where the user is looking: its top inside the viewport, nothing scrolled."""
    page.set_viewport_size({"width": width, "height": height})
    wait_idle(page)
    # Before the first run the result column holds an empty frame that says what will appear, and its size.
    frame = page.locator(".st-key-gen-result-empty")
    assert frame.get_by_text("Your image appears here").count() == 1
    assert frame.get_by_text("1024×1024 · square").count() == 1
    _generate(page, wait_idle, FIRST_SCREEN[(width, height)])
    assert frame.count() == 0
    [first] = _result_boxes(page)
    assert _scrolled(page) == []
    assert first["y"] < height, (first, height)
    assert first["y"] + first["height"] / 2 < height        # more than a sliver: at least half the image shows
    assert first["width"] >= 300, first                     # one image fills the result column, not half of it
    assert page.locator("[data-testid='stText']", has_text="demo · 1024×1024 · medium").count() == 1
    if (width, height) == (1366, 768):
        _shot(page, "generate.png")


def test_three_images_share_a_row_in_the_first_screen(page, wait_idle):
    page.set_viewport_size({"width": 1366, "height": 768})
    wait_idle(page)
    _generate(page, wait_idle, "Three koi in a pond, ink wash", n=3)
    boxes = _result_boxes(page)
    assert len(boxes) == 3
    assert _scrolled(page) == []
    assert boxes[0]["y"] < 768, boxes
    tops = [round(b["y"]) for b in boxes]
    assert max(tops.count(t) for t in tops) >= 2, tops        # at least two side by side, not one per row


def test_generate_see_it_in_the_gallery_and_download_a_png(page, e2e_server, wait_idle, go):
    assert page.locator("[data-testid='stSidebar']").get_by_text("Ready · ").count() == 1
    _generate(page, wait_idle, PROMPT)
    assert page.locator("[data-testid='stImage'] img").count() == 1
    assert page.locator("[data-testid='stText']", has_text="demo · 1024×1024 · medium").count() == 1

    go(page, "Gallery")
    # The shared app may hold other tests' results too: look only at this prompt's tile (newest first).
    tile = page.locator("[class*='st-key-gallery-grid-tiles'] .tile", has_text=PROMPT).first
    tile.locator("img").wait_for()
    assert tile.locator("img").get_attribute("alt") == PROMPT
    tile.locator("button.open").click()                   # its lightbox has the downloads
    dialog = page.locator("[data-testid='stDialog'] [role='dialog']")
    dialog.locator("[data-testid='stText']", has_text=PROMPT).wait_for()
    with page.expect_download() as info:
        dialog.locator("[data-testid='stDownloadButton'] button", has_text="PNG").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    data = Path(download.path()).read_bytes()
    img = Image.open(io.BytesIO(data))
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and img.format == "PNG"
    assert img.size == (1024, 1024)
    assert json.loads(img.text["easel"])["prompt"] == PROMPT             # Easel's chunk, and A1111's beside it
    assert img.text["parameters"].startswith(PROMPT + "\nProvider: demo, ")
    # The Gallery's README screenshot is test_gallery_e2e's (1366×768, a full page of images).
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")

    # Every page opens cleanly after a generation. Their README screenshots are taken by each page's own
    # e2e test, which shows the page in use rather than empty.
    for title in ("Edit", "Tasks", "Usage"):
        go(page, title)
        assert page.locator("[data-testid='stException']").count() == 0
