"""The Edit page's logic under AppTest: a painted canvas (injected, as AppTest runs no JavaScript) becomes the
mask that is sent; Undo and Clear; providers without masks say why; the result comes with a before/after wipe and
a heatmap and can keep the unmasked pixels; a too-large upload is offered a one-click downscale.

Real parts: the simulator over loopback HTTP, the SQLite store, the JobService worker threads.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from easel.providers import catalog
from easel.media import masks
from easel.core.models import ImageOut

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
SRC_W, SRC_H = 1536, 1024
CANVAS_W, CANVAS_H = 620, 560                         # components.mask_canvas.CANVAS_W/H (checked below)
DISPLAY = masks.display_size(SRC_W, SRC_H, CANVAS_W, CANVAS_H)   # the canvas is the display copy's size
PAINT = (100, 150, 299, 299)                          # canvas pixels (inclusive)


@pytest.fixture
def jobs_service(monkeypatch, easel_data_dir):
    """A JobService over this test's data directory (the process singleton would keep the first test's)."""
    from easel.jobs import job_service as jobs
    from easel.store import Store

    from easel.providers.catalog import PollSchedule

    # gccai's documented first poll is 15 s away; the simulator finishes at once, so poll straight away.
    svc = jobs.JobService(Store(), recover=False, poll_schedule=PollSchedule(0.1, 0.1, 0.2, 60.0))
    monkeypatch.setattr(jobs, "_service", svc)
    yield svc
    svc.close(wait=True)


def _source_png() -> bytes:
    rng = np.random.default_rng(7)
    img = Image.fromarray(rng.integers(0, 256, (SRC_H, SRC_W, 3), dtype=np.uint8), "RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _gallery_image(store, data: bytes, *, provider: str = "demo") -> int:
    job_id = store.create_job(provider=provider, status="completed", prompt="a seeded source image")
    img = Image.open(io.BytesIO(data))
    return store.add_image(job_id, 0, ImageOut(data=data, width=img.width, height=img.height, mime="image/png")).id


def _strokes_data_url(*rects) -> str:
    """The canvas's strokes image: each rectangle composited as the canvas does, in the brush's translucent colour."""
    img = Image.new("RGBA", DISPLAY, (0, 0, 0, 0))
    for rect in rects:
        layer = Image.new("RGBA", DISPLAY, (0, 0, 0, 0))
        ImageDraw.Draw(layer).rectangle(rect, fill=masks.BRUSH_COLOR + (round(255 * masks.STROKE_ALPHA),))
        img = Image.alpha_composite(img, layer)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _canvas_value(*rects) -> dict:
    rects = rects or (PAINT,)
    objects = [{"type": "Rect", "left": x0, "top": y0, "width": x1 - x0 + 1, "height": y1 - y0 + 1,
                "fill": masks.BRUSH_RGBA} for x0, y0, x1, y1 in rects]
    return {"drawing": {"raw": {"version": "6", "objects": objects}, "data": _strokes_data_url(*rects)}}


def _app(profile, client, **state):
    from streamlit.testing.v1 import AppTest

    from components.session import ProviderSession

    at = AppTest.from_file(str(ROOT / "pages" / "edit.py"), default_timeout=60)
    at.session_state["easel.provider_session"] = ProviderSession(profile, client, "simulator", profile.base_url)
    for k, v in state.items():
        at.session_state[k] = v
    return at


@pytest.fixture
def demo(sim, monkeypatch):
    from easel.providers.client import ProviderClient

    monkeypatch.syspath_prepend(str(ROOT))
    from components import mask_canvas

    assert (mask_canvas.CANVAS_W, mask_canvas.CANVAS_H) == (CANVAS_W, CANVAS_H)
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, "sim-test-key")
    yield profile, client
    client.close()


def _texts(at) -> str:
    return "\n".join([t.value for t in at.text] + [c.value for c in at.caption] + [i.value for i in at.info]
                     + [e.value for e in at.error])


def _store():
    from easel.store import Store

    return Store()


def _source_id(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def _expected_box():
    """The painted canvas rectangle in source pixels."""
    kx, ky = SRC_W / DISPLAY[0], SRC_H / DISPLAY[1]
    x0, y0, x1, y1 = PAINT
    return x0 * kx, y0 * ky, (x1 + 1) * kx, (y1 + 1) * ky


def _paint_and_submit(at, data: bytes, prompt: str) -> None:
    """Paint the standard stroke on `data`'s canvas, type `prompt` and press Edit."""
    at.session_state[f"edit.mask.canvas.{_source_id(data)}"] = _canvas_value()
    at.text_area(key="edit.prompt").input(prompt)
    at.run()
    at.button(key="edit.submit").click().run()


def test_painted_canvas_is_sent_as_a_mask_of_the_source_size(demo, sim, jobs_service):
    profile, client = demo
    data = _source_png()
    image_id = _gallery_image(_store(), data)
    at = _app(profile, client, **{"easel.edit_source": image_id})
    at.run()
    assert not at.exception
    assert "Source: gallery image" in _texts(at)
    at.session_state[f"edit.mask.canvas.{_source_id(data)}"] = _canvas_value()
    at.text_area(key="edit.prompt").input("put a red boat here")
    at.run()
    assert "of the image will be repainted" in _texts(at)
    at.button(key="edit.submit").click().run()
    assert not at.exception, at.exception
    job = jobs_service.wait(at.session_state["easel.last_job.edit"], timeout=60)
    assert job.status == "completed", job.error_message
    (req,) = sim.requests("/images/edits")
    (mask_file,) = [f for f in req.files if f[0] == "mask"]
    mask = Image.open(io.BytesIO(mask_file[2]))
    assert mask.size == (SRC_W, SRC_H) and mask.mode == "RGBA"
    ys, xs = np.nonzero(masks.repaint_area(mask))
    ex0, ey0, ex1, ey1 = _expected_box()
    assert abs(xs.min() - ex0) <= 3 and abs(xs.max() + 1 - ex1) <= 3
    assert abs(ys.min() - ey0) <= 3 and abs(ys.max() + 1 - ey1) <= 3
    assert len(xs) == (xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)   # a rectangle, nothing else


def test_keep_unmasked_pixels_stores_a_paste_back_that_differs_only_inside_the_mask(demo, sim, jobs_service):
    from easel.media.masks import PASTE_BACK_IDX

    profile, client = demo
    data = _source_png()
    image_id = _gallery_image(_store(), data)
    at = _app(profile, client, **{"easel.edit_source": image_id})
    at.run()
    _paint_and_submit(at, data, "a lighthouse")
    job_id = at.session_state["easel.last_job.edit"]
    assert jobs_service.wait(job_id, timeout=60).status == "completed"
    at.run()
    assert not at.exception, at.exception
    assert at.toggle(key="edit.result.keep").value is True
    store = _store()
    rows = {r.idx: r for r in store.list_images(job_id=job_id)}
    assert 0 in rows and PASTE_BACK_IDX in rows
    # Beside the source: a before/after wipe with its slider, and the difference heatmap.
    captions = [c for img in at.image for c in img.captions]
    assert "Before ◀ | ▶ After, unmasked pixels kept" in captions
    assert "Difference (brighter = more change)" in captions
    wipe = at.slider(key="edit.result.wipe")
    assert wipe.value == 50
    wipe.set_value(0).run()
    assert not at.exception, at.exception
    merged = np.asarray(Image.open(io.BytesIO(store.image_bytes(rows[PASTE_BACK_IDX]))).convert("RGB"))
    source = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert merged.shape == source.shape
    (req,) = sim.requests("/images/edits")
    mask = Image.open(io.BytesIO([f for f in req.files if f[0] == "mask"][0][2]))
    area = masks.repaint_area(mask)
    assert (merged[~area] == source[~area]).all()
    assert (merged[area] != source[area]).any()
    # "Edit again" makes the pasted-back result the next source.
    at.button(key=f"edit.result.again.{rows[PASTE_BACK_IDX].id}").click().run()
    assert at.session_state["easel.edit_source"] == rows[PASTE_BACK_IDX].id


def test_invert_and_drawing_survive_a_remount(demo):
    profile, client = demo
    data = _source_png()
    image_id = _gallery_image(_store(), data)
    at = _app(profile, client, **{"easel.edit_source": image_id})
    at.run()
    ckey = f"edit.mask.canvas.{_source_id(data)}"
    at.session_state[ckey] = _canvas_value()
    at.run()
    before = [c.value for c in at.caption if "repainted" in c.value]
    # A page switch drops the canvas widget's state; the saved drawing must come back on its own.
    del at.session_state[ckey]
    at.run()
    assert not at.exception
    assert at.session_state["edit.mask.initial"]["objects"], "the saved drawing is handed back to the canvas"
    assert [c.value for c in at.caption if "repainted" in c.value] == before
    at.toggle(key="edit.mask.invert").set_value(True).run()
    frac_before = float(before[0].split("%")[0].split()[-1])
    after = [c.value for c in at.caption if "repainted" in c.value][0]
    assert abs(float(after.split("%")[0].split()[-1]) - (100 - frac_before)) < 0.2
    assert "inverted" in after


def _objects(at) -> list:
    return (at.session_state["edit.mask.initial"] or {}).get("objects") or []


def test_undo_takes_back_the_last_stroke_and_clear_removes_every_one(demo):
    profile, client = demo
    data = _source_png()
    at = _app(profile, client, **{"easel.edit_source": _gallery_image(_store(), data)})
    at.run()
    assert at.button(key="edit.mask.undo").disabled and at.button(key="edit.mask.clear").disabled
    ckey = f"edit.mask.canvas.{_source_id(data)}"
    two = _canvas_value(PAINT, (400, 50, 450, 100))
    at.session_state[ckey] = two
    at.run()
    assert not at.button(key="edit.mask.undo").disabled
    at.button(key="edit.mask.undo").click().run()
    assert not at.exception, at.exception
    # The canvas is handed the drawing without its last stroke (it redraws and sends its strokes back).
    assert _objects(at) == two["drawing"]["raw"]["objects"][:1]
    # Until then, the value the canvas still reports (both strokes) does not bring the undone one back.
    at.run()
    assert _objects(at) == two["drawing"]["raw"]["objects"][:1]
    at.session_state[ckey] = _canvas_value(PAINT)                 # what the canvas sends after redrawing
    at.run()
    assert any("of the image will be repainted" in c.value for c in at.caption)
    at.button(key="edit.mask.clear").click().run()
    assert _objects(at) == []
    assert any("Nothing painted" in c.value for c in at.caption)
    assert at.button(key="edit.mask.undo").disabled


def test_the_prompt_placeholder_reads_as_an_example_not_a_prompt(demo):
    profile, client = demo
    at = _app(profile, client)
    at.run()
    placeholder = at.text_area(key="edit.prompt").placeholder
    assert placeholder.startswith("Describe the change, e.g.")
    assert at.text_area(key="edit.prompt").value == ""


def test_icodeeasy_disables_the_mask_and_says_why(sim, monkeypatch, jobs_service):
    from easel.providers.client import ProviderClient

    monkeypatch.syspath_prepend(str(ROOT))
    profile = catalog.simulated_profile(catalog.BUILTIN["icodeeasy"], sim.url)
    client = ProviderClient(profile, "sim-test-key")
    data = _source_png()
    at = _app(profile, client, **{"easel.edit_source": _gallery_image(_store(), data, provider="icodeeasy")})
    at.run()
    assert not at.exception
    from components import md_escape

    assert md_escape(profile.mask_note) in "\n".join(i.value for i in at.info)   # escaped: shown as text
    assert "edit.mask.tool" not in at.session_state
    # Reference-only edits still go out.
    at.text_area(key="edit.prompt").input("make it autumn")
    at.run()
    at.button(key="edit.submit").click().run()
    job = jobs_service.wait(at.session_state["easel.last_job.edit"], timeout=60)
    assert job.status == "completed", job.error_message
    assert not job.has_mask
    client.close()


def test_qcode_takes_a_mask_with_a_single_image_only(sim, monkeypatch):
    from easel.providers.client import ProviderClient

    monkeypatch.syspath_prepend(str(ROOT))
    profile = catalog.simulated_profile(catalog.BUILTIN["qcode"], sim.url)
    client = ProviderClient(profile, "sim-test-key")
    store = _store()
    source = _gallery_image(store, _source_png(), provider="qcode")
    ref = _gallery_image(store, _source_png(), provider="qcode")
    at = _app(profile, client, **{"easel.edit_source": source, "easel.references": [ref]})
    at.run()
    assert not at.exception
    from components import md_escape

    assert any(md_escape("single-image edits only") in i.value for i in at.info)
    assert "edit.mask.tool" not in at.session_state
    assert "Image 2: gallery-" in _texts(at)
    client.close()


def test_gccai_gets_the_mask_as_a_data_url_of_the_first_image_size(sim, monkeypatch, jobs_service):
    from easel.providers.client import ProviderClient
    from easel.core.mime import decode_data_url

    monkeypatch.syspath_prepend(str(ROOT))
    profile = catalog.simulated_profile(catalog.BUILTIN["gccai"], sim.url)
    client = ProviderClient(profile, "sim-test-key")
    data = _source_png()
    at = _app(profile, client, **{"easel.edit_source": _gallery_image(_store(), data, provider="gccai")})
    at.run()
    _paint_and_submit(at, data, "a kite in the sky")
    assert not at.exception, at.exception
    job = jobs_service.wait(at.session_state["easel.last_job.edit"], timeout=60)
    assert job.status == "completed", job.error_message
    (req,) = [r for r in sim.requests("/gccai/v1/images/generations")]
    mime, mask_bytes = decode_data_url(req.json["mask_url"])
    mask = Image.open(io.BytesIO(mask_bytes))
    assert mime == "image/png" and mask.size == (SRC_W, SRC_H) and mask.mode == "RGBA"
    assert 0 < masks.repaint_fraction(mask) < 0.2
    client.close()


def test_uploads_are_sniffed_and_held_to_the_providers_file_limit(monkeypatch):
    from dataclasses import replace

    from easel.core.errors import UploadError

    monkeypatch.syspath_prepend(str(ROOT))
    from components.edit_inputs import check_upload

    qcode = catalog.BUILTIN["qcode"]
    png = _source_png()
    ok = check_upload(png, "scene.png", qcode, label="upload")
    assert ok.size == (SRC_W, SRC_H) and ok.mime == "image/png"
    with pytest.raises(UploadError, match="not a PNG, JPEG or WebP"):
        check_upload(b"GIF89a" + png[6:], "scene.png", qcode, label="upload")
    small = replace(qcode, max_upload_bytes=2**20)
    with pytest.raises(UploadError, match=r"^scene.png is 4.5 MB; QCode takes at most 1 MB per file") as err:
        check_upload(png, "scene.png", small, label="upload")
    assert err.value.code == "image_too_large"


def _solid_png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (30, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def test_an_oversize_upload_is_offered_a_downscale_and_the_click_makes_it_the_source(demo):
    profile, client = demo
    at = _app(profile, client)
    at.run()
    # 33 MP: over Easel's decompression guard and the providers' largest size, though only a few kB on disk.
    at.file_uploader(key="edit.source.upload").set_value(("huge.png", _solid_png(7680, 4320), "image/png")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]                 # an offer, not an error
    assert "7680×4320" in at.warning[0].value
    offer = at.button(key="edit.source.oversize.downscale")
    assert offer.label == "Downscale to 3840×2160 and use it"
    assert "edit.source.saved" not in at.session_state              # nothing is used before the click
    offer.click().run()
    assert not at.exception, at.exception
    data, name, _ = at.session_state["edit.source.saved"]
    assert Image.open(io.BytesIO(data)).size == (3840, 2160) and name == "huge-3840x2160.png"
    assert "Source: upload huge-3840x2160.png, downscaled from 7680×4320, 3840×2160" in _texts(at)
    at.run()                                                         # and it stays the source, saying so
    assert "Source: upload huge-3840x2160.png, downscaled from 7680×4320, 3840×2160" in _texts(at)
    assert at.button(key="edit.mask.undo") is not None               # the canvas is there for it


def test_an_upload_over_the_providers_file_size_is_offered_a_smaller_copy_that_fits(demo):
    from dataclasses import replace

    profile, client = demo
    small_limit = replace(profile, max_upload_bytes=2**20)
    at = _app(small_limit, client)
    at.run()
    at.file_uploader(key="edit.source.upload").set_value(("noise.png", _source_png(), "image/png")).run()
    from components import md_escape

    assert md_escape("noise.png is 4.5 MB; Demo (offline simulator) takes at most 1 MB per file") in at.warning[0].value
    at.button(key="edit.source.oversize.downscale").click().run()
    data, *_ = at.session_state["edit.source.saved"]
    assert len(data) <= 2**20
    w, h = Image.open(io.BytesIO(data)).size
    assert abs(w / h - SRC_W / SRC_H) < 0.01


def test_a_corrupt_upload_is_still_an_error_naming_the_rule(demo):
    profile, client = demo
    at = _app(profile, client)
    at.run()
    broken = _solid_png(64, 64)[:40]
    at.file_uploader(key="edit.source.upload").set_value(("broken.png", broken, "image/png")).run()
    assert not at.exception
    assert any("corrupt" in e.value for e in at.error), [e.value for e in at.error]
    assert "edit.source.saved" not in at.session_state


def test_several_results_each_get_a_paste_back_and_one_is_compared_at_a_time(demo, sim, jobs_service):
    from easel.media.masks import PASTE_BACK_IDX

    profile, client = demo
    data = _source_png()
    at = _app(profile, client, **{"easel.edit_source": _gallery_image(_store(), data), "edit.params.n": 2})
    at.run()
    _paint_and_submit(at, data, "two lighthouses")
    job_id = at.session_state["easel.last_job.edit"]
    assert jobs_service.wait(job_id, timeout=60).status == "completed"
    at.run()
    assert not at.exception, at.exception
    rows = {r.idx: r for r in _store().list_images(job_id=job_id)}
    assert {0, 1, PASTE_BACK_IDX, PASTE_BACK_IDX + 1} <= set(rows)          # the gallery has both pasted back
    assert at.button(key=f"edit.result.again.{rows[PASTE_BACK_IDX].id}")
    at.segmented_control(key="edit.result.pick").set_value(1).run()
    assert not at.exception, at.exception
    at.button(key=f"edit.result.again.{rows[PASTE_BACK_IDX + 1].id}").click().run()
    assert at.session_state["easel.edit_source"] == rows[PASTE_BACK_IDX + 1].id


def test_a_file_that_is_not_an_image_or_a_bomb_beyond_downscaling_is_refused_by_name(demo):
    from components import md_escape
    from easel.simulator import render

    profile, client = demo
    at = _app(profile, client)
    at.run()
    at.file_uploader(key="edit.source.upload").set_value(("fake.png", b"text, not a picture", "image/png")).run()
    assert md_escape("fake.png is not a PNG, JPEG or WebP image (checked from its bytes, not its name).") \
        in at.error[0].value
    at.file_uploader(key="edit.source.upload").set_value(("bomb.png", render.bomb_png(), "image/png")).run()
    assert "safety cap" in at.error[0].value                          # no offer to shrink 900 MP:
    assert "edit.source.oversize.downscale" not in [b.key for b in at.button]
    assert "edit.source.saved" not in at.session_state


def test_from_the_gallery_picks_a_recent_result_as_the_source(demo):
    profile, client = demo
    data = _source_png()
    image_id = _gallery_image(_store(), data)
    at = _app(profile, client)
    at.run()
    assert "Add a source image" in _texts(at)
    at.button(key=f"edit.source.gallery.{image_id}").click().run()
    assert not at.exception, at.exception
    assert at.session_state["easel.edit_source"] == image_id
    assert f"Source: gallery image #{image_id}, {SRC_W}×{SRC_H}" in _texts(at)
    at.button(key="edit.source.clear").click().run()                  # Replace: back to the pickers
    assert "easel.edit_source" not in at.session_state
    assert at.file_uploader(key="edit.source.upload") is not None
