"""End to end in headless Chromium at 1366×768: upload an image, paint a stroke with the mouse, send the edit to
the simulator, and check what the provider received, what the gallery kept, and where things sit on the screen
(the canvas and the result both in the first screen, the result beside the canvas).

Fixtures from tests/e2e/conftest.py: the app (`streamlit run app.py`) whose Demo provider uses this test
session's simulator, so the recorded requests are readable here.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from easel.media import masks

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SRC_W, SRC_H = 1536, 1024
PROMPT = "a red boat on the water (edit e2e)"
SCREEN = {"width": 1366, "height": 768}


def _source_file(tmp_path) -> tuple[Path, np.ndarray]:
    yy, xx = np.mgrid[0:SRC_H, 0:SRC_W]
    px = np.stack([(xx * 255 // SRC_W), (yy * 255 // SRC_H), ((xx + yy) % 256)], -1).astype(np.uint8)
    path = tmp_path / "scene.png"
    Image.fromarray(px, "RGB").save(path)
    return path, px


def test_paint_a_stroke_and_the_provider_gets_that_mask(e2e_server, page, wait_idle, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    sim = e2e_server.sim
    sim.reset()
    src_path, src_px = _source_file(tmp_path)
    page.set_viewport_size(SCREEN)
    page.get_by_role("link", name="Edit").click()
    page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached", timeout=60_000)
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(src_path))
    page.wait_for_selector(".dc-container canvas", state="attached", timeout=60_000)
    wait_idle(page)

    container = page.locator(".dc-container").first
    box = container.bounding_box()
    from components.mask_canvas import CANVAS_H, CANVAS_W

    disp_w, disp_h = masks.display_size(SRC_W, SRC_H, CANVAS_W, CANVAS_H)
    assert round(box["width"]) == disp_w and round(box["height"]) == disp_h
    # In the first screen, without scrolling, and as wide as the column allows.
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0
    assert box["y"] < 568 and box["width"] >= 600, box
    assert box["y"] + box["height"] <= SCREEN["height"], box
    brush = 40                                             # the slider's default, in canvas pixels
    x0, x1, y = 150, 450, 200                               # a horizontal stroke, canvas pixels
    page.mouse.move(box["x"] + x0, box["y"] + y)
    page.mouse.down()
    for x in range(x0, x1 + 1, 10):
        page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.up()
    page.wait_for_selector("text=of the image will be repainted", timeout=30_000)
    wait_idle(page)

    prompt = page.get_by_role("textbox", name="What should change?")
    assert prompt.get_attribute("placeholder").startswith("Describe the change, e.g.")
    prompt.fill(PROMPT)
    prompt.press("Control+Enter")
    wait_idle(page)
    edit = page.locator(".st-key-edit-submit button:visible")
    edit_box = edit.bounding_box()
    assert edit_box["y"] + edit_box["height"] <= SCREEN["height"]      # the Edit button is in the first screen
    edit.click()
    page.wait_for_selector("text=Keep unmasked pixels", timeout=60_000)
    wait_idle(page)

    # --- where the result is: beside the canvas, in the first screen ------------------------------------
    result = page.locator(".st-key-edit-result-compare img").first
    result.wait_for(state="visible")
    rbox = result.bounding_box()
    box = container.bounding_box()
    assert rbox["y"] < SCREEN["height"] and rbox["x"] > box["x"] + box["width"], (rbox, box)
    assert page.locator(".dc-container").count() == 1                  # one canvas, no second copy below
    page.mouse.move(700, 40)                                           # off the canvas and the sidebar: no hover tools
    page.wait_for_timeout(300)
    (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshots" / "edit.png"))

    # --- what the provider received -------------------------------------------------------------
    (req,) = sim.requests("/images/edits")
    (mask_file,) = [f for f in req.files if f[0] == "mask"]
    assert mask_file[3] == "image/png"
    mask = Image.open(io.BytesIO(mask_file[2]))
    assert mask.size == (SRC_W, SRC_H) and mask.mode == "RGBA"
    area = masks.repaint_area(mask)
    k = SRC_W / disp_w                                       # source pixels per canvas pixel
    half = brush / 2 * k
    ys, xs = np.nonzero(area)
    # Nowhere outside the stroke's band (a round cap reaches half a brush past each end)...
    assert xs.min() >= x0 * k - half - 2 * k and xs.max() <= x1 * k + half + 2 * k
    assert ys.min() >= y * k - half - 2 * k and ys.max() <= y * k + half + 2 * k
    # ...and everywhere along its centre line and most of its width.
    cy = int(y * k)
    assert area[cy, int(x0 * k):int(x1 * k)].all()
    assert area[int(cy - 0.7 * half):int(cy + 0.7 * half), int((x0 + x1) / 2 * k)].all()

    # --- "keep unmasked pixels": the stored paste-back differs from the source only inside the mask ---
    from easel.media.masks import PASTE_BACK_IDX
    from easel.store import Store

    store = Store(e2e_server.data_dir / "easel.db")
    (job,) = [j for j in store.list_jobs() if j.prompt == PROMPT]
    rows = {r.idx: r for r in store.list_images(job_id=job.id)}
    merged = np.asarray(Image.open(io.BytesIO(store.image_bytes(rows[PASTE_BACK_IDX]))).convert("RGB"))
    assert merged.shape == src_px.shape
    changed = (merged != src_px).any(-1)
    assert changed.any()
    assert not (changed & ~area).any()

    # The user sees the comparison: before | after as a wipe, and where they differ.
    for caption in ("Before ◀ | ▶ After, unmasked pixels kept", "Difference (brighter = more change)"):
        assert page.get_by_text(caption, exact=True).count() == 1


def _repaint_percent(page) -> float:
    for text in page.locator("[data-testid='stCaptionContainer']").all_inner_texts():
        if "of the image will be repainted" in text:
            return float(text.split("%")[0])
    return 0.0


def _settled_percent(page, wait_idle, until) -> float:
    """The repaint share once `until(share)` holds: the canvas sends a stroke after a short debounce, which
    under load can start the rerun after wait_idle has already returned."""
    for _ in range(100):
        wait_idle(page)
        value = _repaint_percent(page)
        if until(value):
            return value
        page.wait_for_timeout(200)
    return _repaint_percent(page)


def _open_on_edit(page, wait_idle, src_path) -> None:
    """At 1366×768, open Edit and upload `src_path` as the source, until its canvas is drawn."""
    page.set_viewport_size(SCREEN)
    page.get_by_role("link", name="Edit").click()
    page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached")
    wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(src_path))
    page.wait_for_selector(".dc-container canvas", state="attached")
    wait_idle(page)


def test_eraser_undo_rectangle_invert_and_a_page_switch(page, wait_idle, go, tmp_path):
    src_path, _ = _source_file(tmp_path)
    _open_on_edit(page, wait_idle, src_path)
    canvas = page.locator(".dc-container").first

    def drag(x0, y0, x1, y1, steps=30):
        canvas.scroll_into_view_if_needed()     # mouse events outside the viewport reach nothing
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + x0, box["y"] + y0)
        page.mouse.down()
        page.mouse.move(box["x"] + x1, box["y"] + y1, steps=steps)
        page.mouse.up()
        wait_idle(page)

    drag(100, 200, 500, 200)
    painted = _settled_percent(page, wait_idle, lambda v: v > 0)
    assert painted > 0
    page.get_by_text("Eraser", exact=True).click()
    wait_idle(page)
    assert _repaint_percent(page) == painted            # switching tools keeps the drawing
    drag(100, 200, 300, 200)
    erased = _settled_percent(page, wait_idle, lambda v: v != painted)
    assert 0 < erased < painted
    # Undo in the toolbar: the canvas redraws without the eraser stroke and sends its strokes back.
    page.locator(".st-key-edit-mask-undo button:visible").click()
    assert _settled_percent(page, wait_idle, lambda v: v == painted) == painted
    page.get_by_text("Box", exact=True).click()
    wait_idle(page)
    drag(50, 300, 150, 380, steps=5)
    with_rect = _settled_percent(page, wait_idle, lambda v: v not in (0, painted))
    assert with_rect > painted
    # The drawing survives a page switch (the canvas remounts with the saved drawing).
    go(page, "Generate")
    go(page, "Edit")
    page.wait_for_selector(".dc-container canvas", state="attached")
    assert _settled_percent(page, wait_idle, lambda v: v == with_rect) == with_rect
    page.get_by_text("Invert", exact=True).click()
    inverted = _settled_percent(page, wait_idle, lambda v: v != with_rect)
    assert abs(inverted - (100 - with_rect)) < 0.2
    # Clear removes every stroke.
    page.get_by_text("Invert", exact=True).click()
    assert _settled_percent(page, wait_idle, lambda v: v == with_rect) == with_rect
    page.locator(".st-key-edit-mask-clear button:visible").click()
    page.wait_for_selector("text=Nothing painted", timeout=30_000)


def test_the_pointer_is_a_ring_the_size_of_the_brush(page, wait_idle, tmp_path):
    src_path, _ = _source_file(tmp_path)
    _open_on_edit(page, wait_idle, src_path)
    cursor = """() => { const upper = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
                            .map(h => h.shadowRoot && h.shadowRoot.querySelector('.upper-canvas')).find(Boolean);
                        return upper ? getComputedStyle(upper).cursor : ''; }"""
    page.wait_for_function(f"({cursor})().includes('svg')")
    value = page.evaluate(cursor)
    assert "r%3D%2720.0%27" in value and value.endswith(" 22 22, crosshair")     # radius 20 for the 40 px brush
    # The canvas's own hover toolbar (undo, redo, reset) opens below the canvas, not over the toolbar row.
    canvas = page.locator(".dc-container").first
    canvas.hover()
    toolbar = page.locator(".dc-toolbar").first
    page.wait_for_timeout(400)
    cbox, tbox = canvas.bounding_box(), toolbar.bounding_box()
    assert tbox["y"] >= cbox["y"] + cbox["height"] - 1, (tbox, cbox)
