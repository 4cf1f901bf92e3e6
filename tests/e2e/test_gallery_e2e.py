"""In a real browser at 1366×768: the Gallery over twelve seeded images shows them 6 across in cards of one
height (the grid is one Components v2 element in the page, not an iframe), with a compact page navigation;
clicking an image opens the lightbox on that image's prompt, and its Next button (and the keyboard's arrows)
step through the grid; Tab to a tile and Enter opens it too. A prompt with markup shows as text. Saves the
README's Gallery screenshot.

The images are written straight into the app's data dir (a Store on `e2e_server.data_dir`, thumbnails made as
JobService makes them), newest of all, so they fill the first page whatever other tests stored before."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from browsing import wait_for_gallery_images
from pictures import gradient_disc_png

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = ("1024x1024", "1536x1024", "1024x1536")
SUBJECTS = ("a lighthouse at dusk", "a fox under a brass lamp", "a paper boat on a pond", "an owl in the snow",
            "a harbour in the rain", "a kite over the dunes")
XSS = '<img src=x onerror="window.__easelXss=1">a kite <b>bold</b>'


def _seed(data_dir: Path, count: int = 12, *, first_prompt: str | None = None) -> list[str]:
    """`count` finished Demo jobs of one image each; returns their prompts, newest first (the grid's order)."""
    from easel.core.models import ImageOut
    from easel.media import thumbnails
    from easel.store import Store

    store = Store(data_dir / "easel.db")
    tag = uuid.uuid4().hex[:6]
    now = time.time()
    prompts = []
    try:
        for i in range(count):
            size = SIZES[i % len(SIZES)]
            width, height = map(int, size.split("x"))
            prompt = f"{SUBJECTS[i % len(SUBJECTS)].capitalize()}, watercolor, no. {i + 1} ({tag})"
            if i == 0 and first_prompt:
                prompt = f"{first_prompt} ({tag})"
            job = store.create_job(provider="demo", status="completed", model="gpt-image-2", endpoint="generations",
                                   prompt=prompt, params={"size": size, "quality": "medium", "n": 1}, size=size,
                                   quality="medium", n=1, cost_estimated=0.042, currency="USD",
                                   key_fingerprint="fp-e2egallery", simulated=True, created_at=now - count + i)
            store.update_job(job, cost_actual=0.042, latency_s=1.5 + i / 10, finished_at=now - count + i + 1)
            store.add_image(job, 0, ImageOut(data=gradient_disc_png(width, height, i), width=width, height=height,
                                             mime="image/png"))
            thumbnails.make_thumbnails(store, job)
            prompts.append(prompt)
    finally:
        store.close()
    return prompts[::-1]


def _click_center(page, locator) -> None:
    """Click where the user sees the image (its lightbox button lies over it, invisible)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_gallery_grid_navigation_and_lightbox_at_1366(browser, e2e_server, wait_idle, go):
    prompts = _seed(e2e_server.data_dir)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Gallery")
        # The grid component lives in the page's DOM (Playwright's CSS pierces its open shadow root).
        grid = page.locator("[class*='st-key-gallery-grid-tiles']")
        assert page.locator("iframe").count() == 0
        tiles = grid.locator("button.open")
        images = tiles.locator("img")
        images.first.wait_for()
        wait_for_gallery_images(page, 12)
        assert [images.nth(i).get_attribute("alt") for i in range(len(prompts))] == prompts

        # --- 6 across, square thumbnail boxes, cards of one height -----------------------------------------
        boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
        first_top = min(b["y"] for b in boxes)
        first_row = [b for b in boxes if abs(b["y"] - first_top) < 2]
        assert len(first_row) == 6, [round(b["y"]) for b in boxes]
        assert all(b["width"] >= 100 and abs(b["height"] - b["width"]) < 2 for b in first_row)   # square boxes
        cards = grid.locator(".tile")
        heights = {round(cards.nth(i).bounding_box()["height"]) for i in range(cards.count())}
        assert len(heights) == 1, heights

        # --- compact navigation, in the grid's element: ‹ Prev · Page 1 of n · Next ›, then the count --------
        nav = grid.locator("nav.top")
        assert nav.locator(".page").text_content().startswith("Page 1 of ")
        assert nav.get_by_role("button", name="‹ Prev").is_disabled()
        assert nav.locator(".count").text_content().endswith(" images")
        nav_box = nav.locator(".pager").bounding_box()
        assert nav_box["width"] < page.viewport_size["width"] / 2, nav_box
        assert nav_box["y"] + nav_box["height"] < min(b["y"] for b in boxes)        # above the tiles
        assert page.locator("[data-testid='stException']").count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "gallery.png"), full_page=False)

        # --- the lightbox: the clicked image's prompt, then the next image's --------------------------------
        _click_center(page, images.nth(1))
        dialog = page.locator("[data-testid='stDialog'] [role='dialog']")
        dialog.wait_for()
        wait_idle(page)
        dialog.locator("[data-testid='stText']", has_text=prompts[1]).wait_for()
        assert dialog.get_by_text("2 of ", exact=False).count() == 1
        assert dialog.locator("[data-testid='stImage'] img").count() == 1
        for label in ("PNG", "JPEG", "WebP"):
            assert dialog.locator("[data-testid='stDownloadButton'] button:visible", has_text=label).count() == 1
        for label in ("Edit this", "Use as reference", "Reuse settings"):
            assert dialog.get_by_role("button", name=label).filter(visible=True).count() == 1
        dialog.get_by_role("button", name="Next").filter(visible=True).click()
        dialog.locator("[data-testid='stText']", has_text=prompts[2]).wait_for()
        wait_idle(page)
        assert dialog.locator("[data-testid='stText']", has_text=prompts[1]).count() == 0
        # The keyboard's ← steps back.
        page.keyboard.press("ArrowLeft")
        dialog.locator("[data-testid='stText']", has_text=prompts[1]).wait_for()
        wait_idle(page)
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        wait_idle(page)

        # --- the keyboard: a tile takes the focus, Enter opens it ------------------------------------------
        tiles.nth(3).focus()
        assert page.evaluate("() => document.activeElement.shadowRoot?.activeElement?.dataset.id") == \
            tiles.nth(3).get_attribute("data-id")
        page.keyboard.press("Enter")
        dialog.wait_for()
        dialog.locator("[data-testid='stText']", has_text=prompts[3]).wait_for()
        assert dialog.get_by_text("4 of ", exact=False).count() == 1
        page.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_a_prompt_with_markup_shows_as_text_in_the_grid(browser, e2e_server, wait_idle, go):
    """Run after the screenshot test, so the README's Gallery shows ordinary prompts."""
    [prompt] = _seed(e2e_server.data_dir, 1, first_prompt=XSS)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Gallery")
        first = page.locator("[class*='st-key-gallery-grid-tiles'] .tile").first
        first.locator("img").wait_for()
        assert prompt.startswith("<img src=x")
        assert first.locator("img").get_attribute("alt") == prompt
        assert first.locator(".lines div").first.text_content() == prompt          # the characters, as text
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("[class*='st-key-gallery-grid-tiles'] b").count() == 0
        assert page.evaluate("() => window.__easelXss") is None
    finally:
        context.close()


def test_next_and_prev_in_the_grid_element_turn_pages_by_mouse_and_keyboard(browser, e2e_server, wait_idle, go):
    """The pager is part of the grid's element: Next › (clicked) shows page 2, whose first tiles are the 49th
    and 50th newest images; the bottom bar's ‹ Prev, reached with Tab and pressed with Enter, goes back."""
    prompts = _seed(e2e_server.data_dir, 50)           # newest of all: page 1 is 48 of them, page 2 starts after
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Gallery")
        host = page.locator("[class*='st-key-gallery-grid-tiles']")
        images = host.locator("button.open img")
        images.first.wait_for()
        assert images.first.get_attribute("alt") == prompts[0]
        top, bottom = host.locator("nav.top"), host.locator("nav.bottom")
        assert top.locator(".page").text_content().startswith("Page 1 of ")
        assert bottom.is_visible() and bottom.locator(".page").text_content() == top.locator(".page").text_content()
        top.get_by_role("button", name="Next ›").click()
        page.wait_for_function("p => { const h = document.querySelector(\"[class*='st-key-gallery-grid-tiles']\");"
                               " const r = [...h.querySelectorAll('*')].find(e => e.shadowRoot).shadowRoot;"
                               " return r.querySelector('button.open img')?.alt === p; }", arg=prompts[48])
        wait_idle(page)
        assert [images.nth(i).get_attribute("alt") for i in range(2)] == prompts[48:50]
        assert top.locator(".page").text_content().startswith("Page 2 of ")
        assert not top.get_by_role("button", name="‹ Prev").is_disabled()
        # The keyboard: the bottom ‹ Prev is a native button; focus it and press Enter.
        bottom.get_by_role("button", name="‹ Prev").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("p => { const h = document.querySelector(\"[class*='st-key-gallery-grid-tiles']\");"
                               " const r = [...h.querySelectorAll('*')].find(e => e.shadowRoot).shadowRoot;"
                               " return r.querySelector('button.open img')?.alt === p; }", arg=prompts[0])
        assert top.locator(".page").text_content().startswith("Page 1 of ")
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_thumbnails_evicted_from_the_tab_come_back_when_shown_again(browser, e2e_server, wait_idle, go):
    """The tab keeps at most so many thumbnails (lowered to 3 here): page 2 evicts page 1's, and back on page 1
    the grid reports them missing and the next run sends them again: every image is drawn, none broken."""
    _seed(e2e_server.data_dir, 49)                      # newest of all: page 1 is 48 of them, page 2 starts after
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script("window.__easelThumbsKeep = 3")
    page = context.new_page()
    page.set_default_timeout(60_000)
    all_drawn = """() => {
        const host = document.querySelector("[class*='st-key-gallery-grid-tiles']");
        const root = [...host.querySelectorAll('*')].find(e => e.shadowRoot)?.shadowRoot;
        const imgs = root ? [...root.querySelectorAll('img')] : [];
        return imgs.length > 0 && root.querySelectorAll('.tile').length === imgs.length &&
            imgs.every(i => i.complete && i.naturalWidth > 0);
    }"""
    try:
        page.goto(e2e_server.url)
        wait_idle(page)
        go(page, "Gallery")
        page.wait_for_function(all_drawn)
        tiles = page.locator("[class*='st-key-gallery-grid-tiles'] button.open")
        first_page = [tiles.nth(i).get_attribute("data-id") for i in range(tiles.count())]
        assert len(first_page) == 48
        page.locator("[class*='st-key-gallery-grid-tiles'] nav.top").get_by_role("button", name="Next ›").click()
        tiles.first.wait_for()
        page.wait_for_function("ids => { const h = document.querySelector(\"[class*='st-key-gallery-grid-tiles']\");"
                               " const r = [...h.querySelectorAll('*')].find(e => e.shadowRoot).shadowRoot;"
                               " return r.querySelector('button.open') && !ids.includes(r.querySelector("
                               "'button.open').dataset.id); }", arg=first_page)
        page.wait_for_function(all_drawn)
        assert page.evaluate("() => window.__easelThumbs.size") <= 48
        page.locator("[class*='st-key-gallery-grid-tiles'] nav.top").get_by_role("button", name="‹ Prev").click()
        page.wait_for_function("ids => { const h = document.querySelector(\"[class*='st-key-gallery-grid-tiles']\");"
                               " const r = [...h.querySelectorAll('*')].find(e => e.shadowRoot).shadowRoot;"
                               " return r.querySelector('button.open')?.dataset.id === ids[0]; }", arg=first_page)
        page.wait_for_function(all_drawn)                # sent again after the tab reported them missing
        assert [tiles.nth(i).get_attribute("data-id") for i in range(tiles.count())] == first_page
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()
