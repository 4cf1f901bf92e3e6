"""The Gallery page and the gallery component under AppTest, over images the real JobService stored from the
simulator: captions as plain text, filters, pagination, the actions, and the downloaded bytes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from components import gallery
from easel.providers import catalog
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.media import thumbnails

ROOT = Path(__file__).resolve().parents[2]
TRICKY = "![x](http://127.0.0.1:9/t.png) **bold** <b>html</b>"


def _seed(sim, jobs, prompts_sizes: list[tuple[str, str]]) -> list[str]:
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        ids = [jobs.submit(client, ImageRequest(prompt=p, size=s, quality="low")) for p, s in prompts_sizes]
        assert [jobs.wait(i, 30).status for i in ids] == ["completed"] * len(ids)
    finally:
        client.close()
    return ids


def _lines(at) -> list[str]:
    """Every line of every st.text: a cell's caption is one st.text of several lines."""
    return [line for t in at.text for line in t.value.splitlines()]


def _dialog(at, row):
    """Open an image's dialog from its "⋯" button (JPEG/WebP downloads and the actions live there)."""
    return at.button(key=f"gallery.grid.{row.id}.more").click().run()


def _open(page: str = "pages/gallery.py") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_captions_are_plain_text_and_thumbnails_are_small(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [(TRICKY, "1536x1024")])
    at = _open()
    texts = _lines(at)
    assert TRICKY in texts                                   # st.text: shown verbatim, never rendered
    assert "demo · 1536×1024 · low" in texts
    assert not any("127.0.0.1:9" in m.value for m in [*at.markdown, *at.caption])
    [img] = at.image
    thumb = Image.open(io.BytesIO(thumbnails.thumbnail_bytes(jobs_for_test.store, jobs_for_test.store.list_images()[0])))
    assert max(thumb.size) == 384 and thumb.format == "JPEG"


def test_filters_and_pagination(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [(f"fox number {i}", "1024x1024") for i in range(25)] + [("a lone owl", "1024x1024")])
    at = _open()
    assert len(at.image) == 12                                  # a page is three rows of four
    page = at.number_input(key="gallery.page")
    assert page.max == 3 and "26 images" in page.label
    page.set_value(3).run()
    assert len(at.image) == 2
    at.text_input(key="gallery.text").input("owl").run()
    assert len(at.image) == 1 and "a lone owl" in _lines(at)
    at.text_input(key="gallery.text").input("").run()
    assert at.selectbox(key="gallery.provider").options == ["All providers", "Demo (offline simulator)"]
    at.text_input(key="gallery.text").input("nothing like this").run()
    assert [i.value for i in at.info] == ["No images match."]


def test_delete_asks_first_then_hides_the_image(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("keep me", "1024x1024"), ("delete me", "1024x1024")])
    at = _open()
    row = next(r for r in jobs_for_test.store.list_images() if r.prompt == "delete me")
    _dialog(at, row)
    at.button(key=f"gallery.grid.{row.id}.del").click().run()
    assert "Delete this image from the gallery?" in [w.value for w in at.warning]
    assert len(at.image) == 3                                   # nothing deleted yet (2 cells + the dialog's)
    at.button(key=f"gallery.grid.{row.id}.yes").click().run()
    assert len(at.image) == 1 and "delete me" not in _lines(at)
    assert jobs_for_test.store.get_image(row.id).deleted == 1


def test_a_cell_has_two_widgets_and_the_rest_opens_in_a_dialog(demo, jobs_for_test):
    long_prompt = " ".join(["a very long prompt about a lighthouse"] * 4)
    _seed(demo, jobs_for_test, [(long_prompt, "1024x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    ck = f"gallery.grid.{row.id}"
    cell_widgets = [w.key for w in [*at.button, *at.get("download_button")] if (w.key or "").startswith(ck)]
    assert sorted(cell_widgets) == [f"{ck}.dl.png", f"{ck}.more"]
    assert long_prompt not in _lines(at)                        # the cell shows it truncated
    _dialog(at, row)
    keys = {w.key for w in [*at.button, *at.get("download_button")]}
    assert {f"{ck}.dl.jpg", f"{ck}.dl.webp", f"{ck}.edit", f"{ck}.ref", f"{ck}.reuse", f"{ck}.del"} <= keys
    assert long_prompt in [t.value for t in at.text]            # the dialog shows it whole, as plain text
    at.button(key=f"{ck}.del").click().run()
    at.button(key=f"{ck}.no").click().run()                     # Keep: still open, nothing deleted
    assert f"{ck}.del" in {b.key for b in at.button} and jobs_for_test.store.get_image(row.id).deleted == 0
    at.button(key=f"{ck}.ref").click().run()                    # an action that stays on this page closes it
    assert f"{ck}.ref" not in {b.key for b in at.button}
    assert "Added as a reference on Generate" in [t.value for t in at.toast]


def test_use_as_reference_and_reuse_settings_reach_generate(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("a reused prompt", "1536x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    _dialog(at, row)
    at.button(key=f"gallery.grid.{row.id}.ref").click().run()
    assert at.session_state["easel.references"] == [row.id]
    _dialog(at, row)
    at.button(key=f"gallery.grid.{row.id}.reuse").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # Now on Generate: the prompt and settings are loaded, the reference is listed.
    assert at.text_area(key="gen.prompt").value == "a reused prompt"
    # 1536x1024 is not one of the Demo's presets, so it comes back as a custom size.
    assert at.selectbox(key="gen.size").value == "custom"
    assert (at.number_input(key="gen.width").value, at.number_input(key="gen.height").value) == (1536, 1024)
    assert at.radio(key="gen.quality").value == "low"
    assert any("Reference images (1)" in e.label for e in at.expander)
    assert any("(edits endpoint" in c.value or "edits endpoint" in c.value for c in at.caption)


def test_edit_this_image_opens_edit_with_it(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("edit me", "1024x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    _dialog(at, row)
    at.button(key=f"gallery.grid.{row.id}.edit").click().run()
    assert at.session_state["easel.edit_source"] == row.id
    assert at.title[0].value == "Edit"


@pytest.mark.parametrize("fmt,pil_format", [("png", "PNG"), ("jpg", "JPEG"), ("webp", "WEBP")])
def test_downloads_are_full_size_with_prompt_metadata(demo, jobs_for_test, fmt, pil_format):
    prompt = "一只狐狸 reading under a lamp"          # non-Latin-1: PNG must carry it as iTXt
    _seed(demo, jobs_for_test, [(prompt, "1536x1024")])
    [row] = jobs_for_test.store.list_images()
    data = gallery.download_bytes(jobs_for_test.store, row, fmt)
    img = Image.open(io.BytesIO(data))
    assert img.format == pil_format and img.size == (1536, 1024)
    if fmt == "png":
        assert img.text["prompt"] == prompt
        assert json.loads(img.text["parameters"])["size"] == "1536x1024"
        assert img.text["provider"] == "demo"
        assert not any("key" in k.lower() for k in img.text)


def test_download_all_zip_has_every_original_and_a_manifest(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("one", "1024x1024"), ("two", "1536x1024")])
    rows = jobs_for_test.store.list_images()
    zf = zipfile.ZipFile(io.BytesIO(gallery.zip_bytes(jobs_for_test.store, rows)))
    names = zf.namelist()
    assert len(names) == 3 and "manifest.json" in names
    manifest = json.loads(zf.read("manifest.json"))
    assert sorted(m["prompt"] for m in manifest) == ["one", "two"]
    for m in manifest:
        assert zf.read(m["file"]) == jobs_for_test.store.image_bytes(next(r for r in rows if r.prompt == m["prompt"]))
