"""Download all (ZIP): the archive holds every filtered image byte for byte (a PNG with its settings spliced in
as text chunks) with a manifest, is written from
the blob files one image at a time (its memory does not grow with the gallery), and splits into parts."""

from __future__ import annotations

import io
import json
import tempfile
import tracemalloc
import zipfile

import numpy as np
import pytest
from PIL import Image

from easel.core.models import ImageOut
from easel.store import Store
from easel.media import png_info
from easel.store import zip_export
from s3_server import remove_object

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def noisy_png(seed: int, side: int = 160) -> bytes:
    """Photo-like for a compressor: noise, so the PNG is about as large as its pixels (~77 KB here)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(easel_data_dir, object_backend):
    # Every test here runs on the data directory and on S3 (SeaweedFS): the archive streams objects either way.
    s = Store()
    yield s
    s.close()


def fill(store: Store, count: int, *, distinct: int = 6, provider: str = "demo") -> list[bytes]:
    """`count` one-image jobs cycling over `distinct` noisy PNGs; returns each job's bytes, oldest first."""
    pngs = [noisy_png(i) for i in range(distinct)]
    out = []
    for i in range(count):
        data = pngs[i % distinct]
        job = store.create_job(provider=provider, prompt=f"tile {i}", status="completed", size="160x160",
                               params={"prompt": f"tile {i}", "size": "160x160", "seed": i}, created_at=1000.0 + i)
        store.add_image(job, 0, ImageOut(data=data, width=160, height=160, mime="image/png"))
        out.append(data)
    return out


def test_the_archive_holds_every_image_byte_for_byte_newest_first_with_a_manifest(store):
    sent = fill(store, 30)
    buf = io.BytesIO()
    summary = zip_export.write_zip(store, buf)
    assert summary == zip_export.ZipSummary(images=30, missing=0)
    rows = store.list_images(limit=1000)                      # newest first, as the gallery lists them
    with zipfile.ZipFile(buf) as zf:
        names = zf.namelist()
        assert names == [f"easel-{r.job_id[:8]}-1.png" for r in rows] + ["manifest.json"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        manifest = json.loads(zf.read("manifest.json"))
        assert [m["file"] for m in manifest] == names[:-1]
        assert [m["prompt"] for m in manifest] == [f"tile {i}" for i in range(29, -1, -1)]
        assert json.loads(manifest[0]["parameters"]) == {"prompt": "tile 29", "size": "160x160", "seed": 29}
        # Each PNG is its stored bytes with the prompt and settings spliced in after IHDR: nothing else changed.
        assert [zf.read(n) for n in names[:-1]] == [
            png_info.stamp(data, png_info.job_chunks(r, store.get_job(r.job_id))) for data, r in zip(sent[::-1], rows)]
        first = png_info.read_info(zf.read(names[0]))
        assert (first.source, first.prompt, first.settings["size"], first.settings["provider"]) == \
            ("easel", "tile 29", "160x160", "demo")
        assert Image.open(io.BytesIO(zf.read(names[0]))).text["parameters"].startswith("tile 29\nProvider: demo, ")


def test_filters_narrow_the_archive_like_the_gallery(store):
    fill(store, 4, provider="demo")
    fill(store, 3, provider="qcode")
    buf = io.BytesIO()
    assert zip_export.write_zip(store, buf, provider="qcode").images == 3
    with zipfile.ZipFile(buf) as zf:
        assert {m["provider"] for m in json.loads(zf.read("manifest.json"))} == {"qcode"}


def _peak_while_zipping(store) -> tuple[int, int]:
    with tempfile.TemporaryFile() as f:
        tracemalloc.start()
        try:
            zip_export.write_zip(store, f)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return peak, f.tell()


def test_zipping_many_images_takes_the_same_memory_as_a_few(store):
    fill(store, 20)
    small_peak, small_size = _peak_while_zipping(store)
    fill(store, 380)
    big_peak, big_size = _peak_while_zipping(store)
    assert big_size > 29 * 2**20 and small_size < 2 * 2**20       # 400 images of ~77 KB against 20
    # The images' bytes never accumulate: the peak stays under 1 MB for a 30 MB archive, and grows by under
    # 2 KB an image (zipfile keeps one ZipInfo per entry for the central directory) against ~77 KB an image
    # that an in-memory archive would add.
    assert big_peak < 1 * 2**20
    assert (big_peak - small_peak) / 380 < 2 * 1024


def test_a_missing_blob_file_is_listed_not_fatal(store):
    fill(store, 3)
    victim = store.list_images(limit=1)[0]
    other = [r for r in store.list_images(limit=10) if r.sha256 != victim.sha256]
    remove_object(store, victim.path)
    buf = io.BytesIO()
    summary = zip_export.write_zip(store, buf)
    assert summary == zip_export.ZipSummary(images=len(other), missing=3 - len(other))
    with zipfile.ZipFile(buf) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert [m["file"] for m in manifest if m.get("missing")] == [f"easel-{victim.job_id[:8]}-1.png"]


def test_parts_split_by_bytes_and_together_hold_every_image_once(store):
    fill(store, 10)
    size = len(noisy_png(0)) + 2048 + 3 * 2 * len("tile 0")      # an image and what stamping may add to it
    parts = zip_export.plan_parts(store, max_bytes=3 * size + 100)
    assert [(p.offset, p.count) for p in parts] == [(0, 3), (3, 3), (6, 3), (9, 1)]
    names = []
    for part in parts:
        with zipfile.ZipFile(zip_export.zip_to_temp_file(store, part=part)) as zf:
            names += [n for n in zf.namelist() if n != "manifest.json"]
            assert len(json.loads(zf.read("manifest.json"))) == part.count
            # The stamped PNGs stay within what the plan counted for them.
            assert sum(i.file_size for i in zf.infolist() if i.filename != "manifest.json") <= part.bytes
    assert names == [f"easel-{r.job_id[:8]}-1.png" for r in store.list_images(limit=100)]


def test_an_empty_gallery_is_one_empty_part(store):
    assert zip_export.plan_parts(store, 10) == [zip_export.ZipPart(0, 0, 0)]


def test_a_part_keeps_its_images_when_newer_ones_arrive_after_planning(store):
    fill(store, 6)
    size = len(noisy_png(0)) + 2048 + 3 * 2 * len("tile 0")
    parts = zip_export.plan_parts(store, max_bytes=3 * size + 100)
    planned = [f"easel-{r.job_id[:8]}-1.png" for r in store.list_images(limit=100)]
    fill(store, 2)                      # two newer images: an offset-based part 2 would now start two earlier
    names = []
    for part in parts:
        with zipfile.ZipFile(zip_export.zip_to_temp_file(store, part=part)) as zf:
            names += [n for n in zf.namelist() if n != "manifest.json"]
    assert names == planned


def test_an_empty_part_is_an_archive_with_an_empty_manifest(store):
    [part] = zip_export.plan_parts(store, 10)
    with zipfile.ZipFile(zip_export.zip_to_temp_file(store, part=part)) as zf:
        assert zf.namelist() == ["manifest.json"] and json.loads(zf.read("manifest.json")) == []
