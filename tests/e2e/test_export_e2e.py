"""In a real browser: "Download all (ZIP)" on the Gallery and "Download CSV" on the Usage page hand over files
written by the streamed exports, and what arrives is exactly what the store holds."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.e2e


def _noisy_png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (96, 128, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def export_app(simulator, tmp_path_factory, start_app):
    with start_app(tmp_path_factory.mktemp("exports"), simulator, {}) as server:
        from easel.core.models import ImageOut
        from easel.store import Store

        store = Store(server.data_dir / "easel.db")
        for i in range(7):
            job = store.create_job(provider="demo" if i % 2 else "qcode", status="completed", prompt=f"export {i}",
                                   params={"size": "128x96", "n": 1}, size="128x96", n=1, currency="USD",
                                   key_fingerprint="fp-e2eexport", created_at=time.time() - 3600 + i)
            store.update_job(job, cost_actual=0.04, latency_s=2.0 + i)
            store.add_image(job, 0, ImageOut(data=_noisy_png(i), width=128, height=96, mime="image/png"))
        store.close()
        yield server


@pytest.fixture
def export_page(browser, export_app):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(export_app.url)
    yield pg
    context.close()


def test_download_all_hands_over_every_image_as_stored(export_page, export_app, go, wait_idle):
    from easel.media import png_info
    from easel.store import Store

    page = export_page
    wait_idle(page)
    go(page, "Gallery")
    page.get_by_role("button", name="Download all (ZIP)").click()
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download ZIP · 7 images").click()
    assert download.value.suggested_filename.startswith("easel-") and download.value.suggested_filename.endswith(".zip")
    store = Store(export_app.data_dir / "easel.db")
    rows = store.list_images(limit=100)
    with zipfile.ZipFile(download.value.path()) as zf:
        assert zf.namelist() == [f"easel-{r.job_id[:8]}-1.png" for r in rows] + ["manifest.json"]
        assert [zf.read(f"easel-{r.job_id[:8]}-1.png") for r in rows] == [
            png_info.stamp(store.image_bytes(r), png_info.job_chunks(r, store.get_job(r.job_id))) for r in rows]
        assert [m["prompt"] for m in json.loads(zf.read("manifest.json"))] == [f"export {i}" for i in range(6, -1, -1)]
    store.close()


def test_download_csv_hands_over_the_log(export_page, export_app, go, wait_idle):
    page = export_page
    wait_idle(page)
    go(page, "Usage")
    page.get_by_role("tab", name="Requests").click()
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Oldest first, every value as stored.
    assert [(r["provider"], r["status"], r["cost_actual"], r["latency_s"], r["key_fingerprint"]) for r in rows] == [
        ("demo" if i % 2 else "qcode", "completed", "0.04", repr(2.0 + i), "fp-e2eexport") for i in range(7)]
