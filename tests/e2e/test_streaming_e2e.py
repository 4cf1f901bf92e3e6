"""In a real browser at 1366×768: turn on Stream previews, press Generate, and see the partial image in the
result column, in the first screen, before the final image replaces it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PROMPT = "A glass greenhouse at night, streamed in previews"
# Where the mid-stream screenshot goes (outside the repo unless asked: docs/screenshots is the README's).
SHOT = Path(os.environ.get("EASEL_STREAM_SHOT") or Path(tempfile.gettempdir()) / "easel-generate-mid-stream.png")


@pytest.fixture
def small_page(browser, e2e_server, wait_idle):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(e2e_server.url)
    wait_idle(pg)
    yield pg
    context.close()


def test_the_partial_shows_where_the_image_will_be_before_the_final(small_page, e2e_server, wait_idle):
    page = small_page
    sim = e2e_server.sim
    sim.configure(latency=9.0)          # two partials at 3 s and 6 s, the final image at 9 s
    try:
        prompt = page.get_by_label("Prompt")
        prompt.fill(PROMPT)
        prompt.press("Control+Enter")
        wait_idle(page)
        page.get_by_text("Stream previews").click()
        wait_idle(page)
        page.wait_for_selector("text=Partial images")
        page.get_by_role("button", name="Generate", exact=False).and_(
            page.locator("[data-testid='stBaseButton-primary']")).click()
        caption = page.locator("[data-testid='stImageCaption']", has_text="Partial 1 of 2")
        caption.wait_for(timeout=30_000)
        preview = page.locator("[data-testid='stImage'] img").first
        preview.wait_for()
        page.wait_for_function("() => { const i = document.querySelector(\"[data-testid='stImage'] img\");"
                               " return i && i.complete && i.naturalWidth > 0; }")
        box = preview.bounding_box()
        assert box and box["y"] + box["height"] <= 768 and box["x"] > 1366 / 3, box   # right column, first screen
        assert page.locator("[data-testid='stText']", has_text=PROMPT).count() == 0   # no final result yet
        page.screenshot(path=str(SHOT), full_page=False)
        # The final image replaces the preview in the same place.
        page.locator("[data-testid='stText']", has_text=PROMPT).first.wait_for(timeout=60_000)
        assert page.locator("[data-testid='stImageCaption']", has_text="Partial").count() == 0
    finally:
        sim.configure(latency=0.0)


def test_edit_shows_the_partial_in_the_result_place_in_the_first_screen(small_page, e2e_server, wait_idle, tmp_path):
    from PIL import Image

    page = small_page
    sim = e2e_server.sim
    src = tmp_path / "source.png"
    Image.new("RGB", (1536, 1024), (40, 110, 70)).save(src)
    sim.configure(latency=9.0)
    try:
        page.get_by_role("link", name="Edit").click()
        page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached", timeout=60_000)
        wait_idle(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(src))
        page.wait_for_selector(".dc-container canvas", state="attached", timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name="Options").click()
        page.get_by_text("Stream previews").click()
        wait_idle(page)
        page.keyboard.press("Escape")                       # close the popover
        prompt = page.get_by_role("textbox", name="What should change?")
        prompt.fill("a lantern on the table, streamed")
        prompt.press("Control+Enter")
        wait_idle(page)
        page.locator(".st-key-edit-submit button:visible").click()
        page.locator("[data-testid='stImageCaption']", has_text="Partial 1 of 2").wait_for(timeout=30_000)
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
                               ".some(i => i.complete && i.naturalWidth > 0)")
        preview = page.locator("[data-testid='stImage']", has=page.locator("[data-testid='stImageCaption']",
                                                                           has_text="Partial")).locator("img")
        box = preview.bounding_box()
        canvas = page.locator(".dc-container").first.bounding_box()
        assert box["x"] > canvas["x"] + canvas["width"] and box["y"] < 768, (box, canvas)   # beside the canvas
        page.screenshot(path=str(SHOT.with_name("easel-edit-mid-stream.png")), full_page=False)
        page.get_by_role("button", name="Edit again").wait_for(timeout=60_000)      # the result took its place
        assert page.locator("[data-testid='stImageCaption']", has_text="Partial").count() == 0
    finally:
        sim.configure(latency=0.0)


def test_a_broken_stream_shows_why_and_the_kept_partial_labelled_partial(small_page, e2e_server, wait_idle):
    page = small_page
    sim = e2e_server.sim
    sim.set_faults([{"kind": "stream_break", "partials": 1, "times": 1}])
    prompt_text = "A kite over dunes, cut off mid-stream"
    try:
        prompt = page.get_by_label("Prompt")
        prompt.fill(prompt_text)
        prompt.press("Control+Enter")
        wait_idle(page)
        page.get_by_text("Stream previews").click()
        wait_idle(page)
        page.get_by_role("button", name="Generate", exact=False).and_(
            page.locator("[data-testid='stBaseButton-primary']")).click()
        page.locator("text=broke after 1 partial image, before the final image").wait_for(timeout=60_000)
        card = page.locator("[data-testid='stText']", has_text=prompt_text)
        card.first.wait_for(timeout=30_000)
        assert "demo · 1024×1024 · medium · partial" in card.first.inner_text()
        page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
                               ".some(i => i.complete && i.naturalWidth > 0)")
        box = page.locator("[data-testid='stImage'] img").first.bounding_box()
        assert box["y"] < 768, box
        page.screenshot(path=str(SHOT.with_name("easel-generate-broken-stream.png")), full_page=False)
    finally:
        sim.set_faults([])


def test_a_provider_that_cannot_stream_says_why_in_the_form(small_page, wait_idle):
    page = small_page
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="gccai").click()
    wait_idle(page)
    note = page.locator("[data-testid='stCaptionContainer']", has_text="No streaming previews. gccai's doc")
    note.wait_for(timeout=30_000)
    assert "runs every request as a task" in note.inner_text()
    assert page.get_by_text("Stream previews").count() == 0
    page.screenshot(path=str(SHOT.with_name("easel-generate-no-stream.png")), full_page=False)
