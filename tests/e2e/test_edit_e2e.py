"""End to end in headless Chromium: upload an image, paint a stroke with the mouse, send the edit to the
simulator, and check what the provider received and what the gallery kept.

The app runs as `streamlit run app.py` with the Demo provider pointed at this test process's simulator
(EASEL_SIMULATOR_URL), so the recorded requests are readable here.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from easel import masks

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SRC_W, SRC_H = 1536, 1024
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(sim, easel_data_dir, tmp_path):
    port = _free_port()
    env = dict(os.environ, EASEL_SIMULATOR_URL=sim.url, EASEL_DATA_DIR=str(easel_data_dir))
    log = open(tmp_path / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--global.developmentMode", "false", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "streamlit.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        pg = browser.new_page(viewport={"width": 1400, "height": 1300})
        yield pg
        browser.close()


def _wait_idle(page, timeout=60_000):
    page.wait_for_timeout(300)      # let a rerun start before waiting for it to finish
    page.wait_for_selector(IDLE, timeout=timeout)


def _source_file(tmp_path) -> tuple[Path, np.ndarray]:
    yy, xx = np.mgrid[0:SRC_H, 0:SRC_W]
    px = np.stack([(xx * 255 // SRC_W), (yy * 255 // SRC_H), ((xx + yy) % 256)], -1).astype(np.uint8)
    path = tmp_path / "scene.png"
    Image.fromarray(px, "RGB").save(path)
    return path, px


def test_paint_a_stroke_and_the_provider_gets_that_mask(app_url, page, sim, tmp_path, easel_data_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    src_path, src_px = _source_file(tmp_path)
    page.goto(f"{app_url}/edit")
    page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached", timeout=60_000)
    _wait_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(src_path))
    page.wait_for_selector(".dc-container canvas", state="attached", timeout=60_000)
    _wait_idle(page)

    container = page.locator(".dc-container").first
    box = container.bounding_box()
    from components.mask_canvas import CANVAS_MAX

    disp_w, disp_h = masks.display_size(SRC_W, SRC_H, CANVAS_MAX, CANVAS_MAX)
    assert round(box["width"]) == disp_w and round(box["height"]) == disp_h
    brush = 40                                             # the slider's default, in canvas pixels
    x0, x1, y = 150, 450, 200                               # a horizontal stroke, canvas pixels
    page.mouse.move(box["x"] + x0, box["y"] + y)
    page.mouse.down()
    for x in range(x0, x1 + 1, 10):
        page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.up()
    page.wait_for_selector("text=of the image will be repainted", timeout=30_000)
    _wait_idle(page)

    page.get_by_label("What should change?").fill("a red boat on the water")
    page.get_by_label("What should change?").press("Control+Enter")
    _wait_idle(page)
    page.get_by_role("button", name="Send edit").click()
    page.wait_for_selector("text=Keep unmasked pixels", timeout=60_000)
    _wait_idle(page)

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
    from components.edit_results import PASTE_BACK_IDX
    from easel.store import Store

    store = Store()
    (job,) = store.list_jobs()
    rows = {r.idx: r for r in store.list_images(job_id=job.id)}
    merged = np.asarray(Image.open(io.BytesIO(store.image_bytes(rows[PASTE_BACK_IDX]))).convert("RGB"))
    assert merged.shape == src_px.shape
    changed = (merged != src_px).any(-1)
    assert changed.any()
    assert not (changed & ~area).any()

    (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshots" / "edit.png"), full_page=True)
