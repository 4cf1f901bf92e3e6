"""The Gallery page, the gallery grid, the lightbox and the results view (job_view) under AppTest, over images the
real JobService stored from the simulator: captions as plain text, filters, pagination, the lightbox's stepping
and actions, toasts held back while it is open, results of several jobs in one grid, and the downloaded bytes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from gallery_clicks import _click_tile, _grid_payload, _tile_lines, _tiles, _trigger, gallery_count, pager, \
    turn_page  # noqa: F401

from components import gallery, gallery_grid, lightbox, truncate
from easel.providers import catalog
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.media import png_info, thumbnails
from easel.store import zip_export
from app_session import open_app  # noqa: E402

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

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


def _dialog(at, row, key: str = "gallery.grid"):
    """Open an image's lightbox: on the Gallery page by clicking its tile, in a result grid by the button laid
    over its thumbnail (clicking the image clicks it)."""
    if key == "gallery.grid":
        return _click_tile(at, row, key)
    return at.button(key=f"{key}.{row.id}.open").click().run()


def _open(page: str = "pages/gallery.py") -> AppTest:
    return open_app(page)


def test_captions_are_plain_text_and_thumbnails_are_small(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [(TRICKY, "1536x1024")])
    at = _open()
    [tile] = _tiles(at)
    # The grid's script sets each line as text (textContent), so it gets the prompt verbatim, not escaped.
    assert tile["lines"][:2] == [TRICKY, "demo · 1536×1024 · low"]
    assert not any("127.0.0.1:9" in m.value for m in [*at.markdown, *at.caption])
    assert not at.image                                      # no st.image per tile: the grid is one element
    row = jobs_for_test.store.list_images()[0]
    thumb = Image.open(io.BytesIO(thumbnails.thumbnail_bytes(jobs_for_test.store, row)))
    assert max(thumb.size) == 384 and thumb.format == "JPEG"
    # The Gallery's square tiles use the 288 px one (48 a page of photographs stay under 1.5 MB), sent inline.
    _columns, _rows, thumbs = _grid_payload(at)
    data, mime = thumbs[tile["thumb"]]
    img = Image.open(io.BytesIO(data))
    assert img.size == (288, 192) and img.format == "JPEG" and mime == "image/jpeg"
    assert data == thumbnails.thumbnail_bytes(jobs_for_test.store, row, thumbnails.TILE_SIDE)   # as stored
    # A rerun sends the captions alone: this session's browser tab holds the thumbnail already.
    at.run()
    assert _grid_payload(at)[2] == {} and [t["id"] for t in _tiles(at)] == [row.id]


def test_a_thumbnail_the_tab_lacks_is_sent_again_and_an_unreadable_one_says_so(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("kept", "1024x1024"), ("lost", "1024x1024")])
    store = jobs_for_test.store
    kept, lost = sorted(store.list_images(), key=lambda r: r.prompt)
    at = _open()
    assert len(_grid_payload(at)[2]) == 2
    at.run()
    assert _grid_payload(at)[2] == {}
    # The tab reports a thumbnail it does not hold (a render it never drew): the next run sends it again.
    [tile] = [t for t in _tiles(at) if t["id"] == kept.id]
    _trigger(at, "missing", [tile["thumb"]])
    assert list(_grid_payload(at)[2]) == [tile["thumb"]]
    # A picture whose files are gone: its tile says so, the others are drawn.
    for path in [store.root / lost.path, *(store.root / "thumbs").glob(f"{lost.sha256}-*")]:
        path.unlink()
    at.session_state[gallery_grid.SENT] = set()          # a new session of this process...
    gallery_grid.clear_cache()                            # ...that has not read the picture either
    at.run()
    by_id = {t["id"]: t for t in _tiles(at)}
    assert by_id[lost.id]["thumb"] is None and by_id[lost.id]["error"].startswith("Image unreadable (")
    assert by_id[kept.id]["error"] is None and by_id[kept.id]["thumb"] in _grid_payload(at)[2]


def test_a_tile_caption_follows_its_job_when_the_job_changes(demo, jobs_for_test, monkeypatch):
    """Captions are kept by (image, job version), the version read with the page's rows: a rerun reads no job,
    and a job that changed is read again, alone."""
    _seed(demo, jobs_for_test, [("a reconciled cost", "1024x1024"), ("left alone", "1024x1024")])
    store = jobs_for_test.store
    rows = store.list_images()
    changed = next(r for r in rows if r.prompt == "a reconciled cost")
    at = _open()
    line = {t["id"]: t["lines"][2] for t in _tiles(at)}
    before = line[changed.id]
    assert before.startswith("USD ")
    read: list[list[str]] = []
    get_jobs = type(store).get_jobs
    monkeypatch.setattr(type(store), "get_jobs", lambda self, ids: read.append(list(ids)) or get_jobs(self, read[-1]))
    at.run()
    assert read == [] and {t["id"]: t["lines"][2] for t in _tiles(at)} == line        # a rerun reads no job
    store.update_job(changed.job_id, cost_actual=0.5, currency="USD")         # e.g. the bill reconciled
    at.run()
    line = {t["id"]: t["lines"][2] for t in _tiles(at)}
    assert line[changed.id].startswith("USD 0.50") and line[changed.id] != before
    assert read == [[changed.job_id]]                                        # the changed job alone
    rows, versions = store.list_images_versioned(limit=10)
    assert versions == {r.job_id: store.get_job(r.job_id).updated_at for r in rows}


def test_an_unchanged_page_is_sent_as_before_and_any_change_rebuilds_it(demo, jobs_for_test, monkeypatch):
    """A rerun of an unchanged page reuses its encoded payload (no tile built); a changed job, a deleted image,
    another page of the pager or a thumbnail the tab lacks each give a new one, as the browser must see it."""
    _seed(demo, jobs_for_test, [("first", "1024x1024"), ("second", "1024x1024")])
    store = jobs_for_test.store
    first = next(r for r in store.list_images() if r.prompt == "first")
    at = _open()
    at.run()                                              # every thumbnail is in the tab now
    built: list[int] = []
    tile_data = gallery_grid.tile_data
    monkeypatch.setattr(gallery_grid, "tile_data", lambda *a, **k: built.append(1) or tile_data(*a, **k))
    kept = _grid_payload(at)
    at.run()
    assert built == [] and _grid_payload(at) == kept
    store.update_job(first.job_id, cost_actual=0.5, currency="USD")
    at.run()
    assert built == [1] and next(t for t in _tiles(at) if t["id"] == first.id)["lines"][2].startswith("USD 0.50")
    _trigger(at, "missing", [next(t for t in _tiles(at) if t["id"] == first.id)["thumb"]])
    assert built == [1, 1] and len(_grid_payload(at)[2]) == 1
    store.delete_image(first.id)
    at.run()
    assert [t["id"] for t in _tiles(at)] != [t[0] for t in kept[1]] and first.id not in [t["id"] for t in _tiles(at)]


def test_a_kept_partial_is_labelled_partial_in_its_tile(jobs_for_test):
    from easel.core.models import ImageOut
    from easel.store.partials import PARTIAL_IDX

    store = jobs_for_test.store
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 40, 90)).save(buf, "PNG")
    job = store.create_job(provider="demo", status="failed", prompt="a stream that broke", endpoint="generations",
                           size="1024x1024", quality="medium", simulated=True)
    store.add_image(job, PARTIAL_IDX, ImageOut(data=buf.getvalue(), width=64, height=64, mime="image/png"))
    thumbnails.make_thumbnails(store, job)
    at = _open()
    [tile] = _tiles(at)
    assert tile["lines"][:2] == ["a stream that broke", "demo · 1024x1024 → 64×64 · medium · partial"]


XSS = '<img src=x onerror="window.__easelXss=1"> a fox <script>window.__easelXss=2</script>'


def test_a_prompt_with_markup_reaches_the_grid_as_text_and_its_script_never_parses_html(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [(XSS, "1024x1024")])
    at = _open()
    [tile] = _tiles(at)
    assert tile["lines"][0] == truncate(XSS, 70) and tile["lines"][0].startswith("<img src=x onerror=")
    assert not [m for m in at.markdown if "onerror" in m.value]
    # Every value is set with textContent / alt / dataset: nothing in the grid's script parses a string as HTML.
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "createRange"):
        assert sink not in gallery_grid._JS, sink
    assert "div.textContent = line" in gallery_grid._JS and "img.alt = t.alt" in gallery_grid._JS


def _grid_rows(at, key: str, *, wide: bool = False) -> list[list[int]]:
    """The grid's rows, as the number of images in each of a row's columns: [[1, 1, 1, 0], …]."""
    suffix = f"-easel-grid-{'wide-' if wide else ''}{key.replace('.', '-')}"

    def images(node) -> int:
        return int(node.type == "image") + sum(images(c) for c in getattr(node, "children", {}).values())

    def find(node):
        if getattr(getattr(node, "proto", None), "id", "").endswith(suffix):
            return node
        for child in getattr(node, "children", {}).values():
            hit = find(child)
            if hit is not None:
                return hit
        return None

    grid = find(at._tree)
    assert grid is not None, f"no grid {key}"
    rows = [row for row in grid.children.values() if row.type == "flex_container"]    # not its style element
    return [[images(col) for col in row.children.values()] for row in rows]


def _stored(store, prompts: list[tuple[str, str, str]], *, start: float) -> None:
    """Images stored as JobService stores them (row, file, thumbnails), one a second from `start`:
    (prompt, provider, endpoint) each."""
    from easel.core.models import ImageOut

    for i, (prompt, provider, endpoint) in enumerate(prompts):
        buf = io.BytesIO()
        Image.new("RGB", (64, 64), (i % 256, 40, 90)).save(buf, "PNG")
        job = store.create_job(provider=provider, status="completed", prompt=prompt, endpoint=endpoint,
                               size="1024x1024", quality="low", simulated=True, created_at=start + i)
        store.add_image(job, 0, ImageOut(data=buf.getvalue(), width=64, height=64, mime="image/png"))
        thumbnails.make_thumbnails(store, job)


def test_filters_and_pagination(jobs_for_test):
    """48 thumbnails a page (eight rows of six), keyset pages, and the filters: provider, page of origin, date,
    and prompt search in English and Chinese."""
    import time as _time

    now = _time.time()
    _stored(jobs_for_test.store, [(f"fox number {i}", "demo", "generations") for i in range(49)]
            + [("a lone owl", "qcode", "edits"), ("一只在窗台上晒太阳的橘猫", "demo", "generations")], start=now - 100)
    at = _open()
    newest = [r.id for r in jobs_for_test.store.list_images(limit=51)]
    columns, _rows, thumbs = _grid_payload(at)
    assert [t["id"] for t in _tiles(at)] == newest[:48] and columns == 6       # eight rows of six
    assert len(thumbs) == 48 and not at.image
    # The pager and the count are drawn in the grid's element: ‹ Prev disabled on page 1, Next › enabled.
    assert pager(at) == {"page": 1, "pages": 2, "count": "51 images", "prev": False, "next": True,
                         "label": "Page 1 of 2"}
    turn_page(at, "next")
    assert [t["id"] for t in _tiles(at)] == newest[48:] and pager(at)["label"] == "Page 2 of 2"
    assert pager(at)["prev"] and not pager(at)["next"]
    turn_page(at, "next")                              # Next › on the last page (a stale click) stays there
    assert [t["id"] for t in _tiles(at)] == newest[48:] and pager(at)["label"] == "Page 2 of 2"
    turn_page(at, "prev")
    assert [t["id"] for t in _tiles(at)] == newest[:48] and pager(at)["label"] == "Page 1 of 2"
    assert _grid_payload(at)[2] == {}                 # back on page 1: its thumbnails were sent already
    turn_page(at, "next")
    at.text_input(key="gallery.text").input("owl").run()        # a new filter starts again at page 1
    assert len(_tiles(at)) == 1 and "a lone owl" in _tile_lines(at) and pager(at)["label"] == "Page 1 of 1"
    assert not pager(at)["prev"] and not pager(at)["next"] and gallery_count(at) == "1 image"
    at.text_input(key="gallery.text").input("橘猫").run()         # a two-character Chinese word
    assert len(_tiles(at)) == 1 and "一只在窗台上晒太阳的橘猫" in _tile_lines(at)
    at.text_input(key="gallery.text").input('"fox* -number:').run()    # FTS syntax is plain text: no error
    assert not at.exception and [i.value for i in at.info] == ["No images match."]
    at.text_input(key="gallery.text").input("").run()
    assert at.selectbox(key="gallery.provider").options == ["All providers", "Demo (offline simulator)", "QCode"]
    at.selectbox(key="gallery.provider").select("qcode").run()
    assert len(_tiles(at)) == 1 and gallery_count(at) == "1 image" and \
        "qcode · 1024x1024 → 64×64 · low" in _tile_lines(at)
    at.selectbox(key="gallery.provider").select(None).run()
    at.segmented_control(key="gallery.origin").set_value("edit").run()
    assert len(_tiles(at)) == 1 and "a lone owl" in _tile_lines(at)
    at.segmented_control(key="gallery.origin").set_value("generate").run()
    assert gallery_count(at) == "50 images"
    at.segmented_control(key="gallery.origin").set_value(None).run()
    from easel.usage.days import usage_today
    from datetime import timedelta
    today = usage_today(jobs_for_test.store)
    at.date_input(key="gallery.dates").set_value((today - timedelta(days=3), today - timedelta(days=2))).run()
    assert [i.value for i in at.info] == ["No images match."]
    at.date_input(key="gallery.dates").set_value((today - timedelta(days=1), today + timedelta(days=1))).run()
    assert gallery_count(at) == "51 images"
    at.text_input(key="gallery.text").input("nothing like this").run()
    assert [i.value for i in at.info] == ["No images match."]


def test_delete_asks_first_then_hides_the_image(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("keep me", "1024x1024"), ("delete me", "1024x1024")])
    at = _open()
    row = next(r for r in jobs_for_test.store.list_images() if r.prompt == "delete me")
    _dialog(at, row)
    at.button(key=f"gallery.grid.{row.id}.del").click().run()
    assert "Delete this image from the gallery?" in [w.value for w in at.warning]
    assert len(_tiles(at)) == 2 and len(at.image) == 1          # nothing deleted yet (2 tiles + the dialog's)
    at.button(key=f"gallery.grid.{row.id}.yes").click().run()
    assert len(_tiles(at)) == 1 and "delete me" not in _tile_lines(at) and not at.image
    assert jobs_for_test.store.get_image(row.id).deleted == 1


def test_a_tile_is_part_of_one_element_and_the_rest_opens_in_the_lightbox(demo, jobs_for_test):
    long_prompt = " ".join(["a very long prompt about a lighthouse"] * 4)
    _seed(demo, jobs_for_test, [(long_prompt, "1536x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    ck = f"gallery.grid.{row.id}"
    assert not [w.key for w in [*at.button, *at.get("download_button")] if (w.key or "").startswith(ck)]
    [tile] = _tiles(at)
    assert tile["id"] == row.id and long_prompt not in tile["lines"]     # the tile shows it truncated
    assert len(tile["lines"]) == 3                              # a fixed number of lines, so cards line up
    assert lightbox.DIALOG not in at.session_state
    _dialog(at, row)                                            # a click on the tile: its lightbox
    assert at.session_state[lightbox.DIALOG] == ("gallery.grid", row.id)
    keys = {w.key for w in [*at.button, *at.get("download_button")]}
    assert {f"{ck}.lb.dl.png", f"{ck}.lb.dl.jpg", f"{ck}.lb.dl.webp", f"{ck}.edit", f"{ck}.ref", f"{ck}.reuse",
            f"{ck}.del"} <= keys
    assert long_prompt in [t.value for t in at.text]            # the lightbox shows it whole, as plain text
    settings = next(t.value for t in at.text if "quality low" in t.value)
    assert "demo · gpt-image-2" in settings and "1536×1024 · quality low" in settings and " s" in settings
    # The lightbox's image is a cached thumbnail of at most 1024 px (made when first shown), never the original.
    [big] = (jobs_for_test.store.root / "thumbs").glob(f"{row.sha256}-{lightbox.LIGHTBOX_SIDE}.*")
    assert Image.open(big).size == (1024, 683) and len(at.image) == 1      # the dialog's image alone
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
    info = png_info.read_info(data)
    assert (info.source, info.prompt, info.settings["provider"], info.settings["size"]) == \
        ("easel", prompt, "demo", "1536x1024")
    if fmt == "png":
        assert set(img.text) == {"easel", "parameters", "Software"}       # never a key
        assert json.loads(img.text["easel"])["prompt"] == prompt
        assert img.text["parameters"].startswith(prompt + "\nProvider: demo, ")
        assert "Size: 1536x1024" in img.text["parameters"]


def test_download_all_zip_has_every_original_and_a_manifest(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("one", "1024x1024"), ("two", "1536x1024")])
    rows = jobs_for_test.store.list_images()
    zf = zipfile.ZipFile(zip_export.zip_to_temp_file(jobs_for_test.store))
    names = zf.namelist()
    assert len(names) == 3 and "manifest.json" in names
    manifest = json.loads(zf.read("manifest.json"))
    assert sorted(m["prompt"] for m in manifest) == ["one", "two"]
    for m in manifest:
        row = next(r for r in rows if r.prompt == m["prompt"])
        stored = jobs_for_test.store.image_bytes(row)
        # The original bytes, with Easel's and A1111's settings chunks spliced in after IHDR.
        assert zf.read(m["file"]) == png_info.stamp(stored, png_info.job_chunks(row, jobs_for_test.store.get_job(row.job_id)))
        assert Image.open(io.BytesIO(zf.read(m["file"]))).text["parameters"].startswith(m["prompt"] + "\n")


def _prompt_shown(at) -> str:
    """The lightbox's prompt: the st.text right after its "i of n" counter."""
    texts = [t.value for t in at.text]
    i = next(i for i, v in enumerate(texts) if " of " in v and v.split(" of ")[0].isdigit())
    return texts[i + 1]


def test_the_lightbox_steps_through_the_grid_and_closes_when_its_image_leaves(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("first", "1024x1024"), ("second", "1024x1024"), ("third", "1024x1024")])
    at = _open()
    rows = jobs_for_test.store.list_images()                 # the grid's order (newest first)
    p = [r.prompt for r in rows]
    _dialog(at, rows[1])
    assert _prompt_shown(at) == p[1] and "2 of 3" in _lines(at)
    at.button(key="gallery.grid.lb.next").click().run()
    assert _prompt_shown(at) == p[2] and "3 of 3" in _lines(at)
    assert at.button(key="gallery.grid.lb.next").disabled                  # no wrapping round
    assert at.session_state[lightbox.DIALOG] == ("gallery.grid", rows[2].id)
    at.button(key="gallery.grid.lb.prev").click().run()
    at.button(key="gallery.grid.lb.prev").click().run()
    assert _prompt_shown(at) == p[0] and at.button(key="gallery.grid.lb.prev").disabled
    # Filtered away: the lightbox closes rather than show an image the grid no longer holds.
    at.text_input(key="gallery.text").input(p[1]).run()
    assert lightbox.DIALOG not in at.session_state and [t["id"] for t in _tiles(at)] == [rows[1].id]


def test_toasts_wait_while_the_lightbox_is_open(demo, jobs_for_test):
    [job_id] = _seed(demo, jobs_for_test, [("a quiet harbour", "1024x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    _dialog(at, row)
    # A job of this session finishes while the lightbox is open: its toast waits (it would cover the dialog's
    # top-right corner), and so does one queued by an action.
    at.session_state["easel.watch"] = [job_id]
    at.session_state["easel.toasts"] = ["Added as a reference on Generate"]
    at.run()
    assert not at.toast and lightbox.DIALOG in at.session_state
    assert at.session_state["easel.toasts"] == ["Added as a reference on Generate", "Done: 1 image from demo"]
    del at.session_state[lightbox.DIALOG]                       # what closing it (its on_dismiss) does
    at.run()
    assert [t.value for t in at.toast] == ["Added as a reference on Generate", "Done: 1 image from demo"]
    assert "easel.toasts" not in at.session_state


_JOB_VIEW = """
import streamlit as st
from components import services
from components.job_view import job_view

job_view(st.session_state["ids"], key="t", store=services.get_store(), jobs_service=services.get_jobs(),
         columns=st.session_state.get("columns"))
"""


def _job_view(ids: list[str], columns: int | None = None) -> AppTest:
    at = AppTest.from_string(_JOB_VIEW, default_timeout=30)
    at.session_state["ids"] = ids
    at.session_state["columns"] = columns
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_repeat_and_n_show_as_one_grid_of_at_most_four_across(demo, jobs_for_test):
    ids = _seed(demo, jobs_for_test, [(f"kite {i}", "1024x1024") for i in range(3)])
    at = _job_view(ids)
    assert _grid_rows(at, "t.results") == [[1, 1, 1]]         # Repeat × 3: one row of three, not three rows
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], demo.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        more = [jobs_for_test.submit(client, ImageRequest(prompt=f"pair {i}", size="1024x1024", quality="low", n=2))
                for i in range(3)]
        assert [jobs_for_test.wait(i, 30).status for i in more] == ["completed"] * 3
    finally:
        client.close()
    at = _job_view(more)
    assert _grid_rows(at, "t.results") == [[1, 1, 1, 1], [1, 1, 0, 0]]    # n = 2 × 3 runs: 4 across
    assert _grid_rows(_job_view(more, columns=2), "t.results") == [[1, 1]] * 3
    # The lightbox steps across the jobs of the grid.
    first = jobs_for_test.store.list_images(job_id=more[0])[0]
    _dialog(at, first, key="t.results")
    assert "1 of 6" in _lines(at)


def test_a_failed_run_beside_finished_ones_says_why_and_the_rest_still_show(demo, jobs_for_test):
    ids = _seed(demo, jobs_for_test, [("fine", "1024x1024")])
    demo.set_faults([{"kind": "http_429_daily", "times": 1}])
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], demo.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        bad = jobs_for_test.submit(client, ImageRequest(prompt="refused", size="1024x1024", quality="low"))
        assert jobs_for_test.wait(bad, 30).status == "failed"
    finally:
        client.close()
    at = _job_view([*ids, bad])
    assert len(at.image) == 1 and _grid_rows(at, "t.results") == [[1]]      # one image fills its row
    [error] = at.error
    assert "daily image cap" in error.value                       # plain words in the box, the code under it
    assert any(c.value == "image\\_daily\\_limit · HTTP 429" for c in at.caption), [c.value for c in at.caption]


def test_many_running_jobs_share_one_compact_bar_and_cancel_together(demo, jobs_for_test):
    demo.configure(latency=5.0)
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], demo.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        ids = [jobs_for_test.submit(client, ImageRequest(prompt=f"slow {i}", size="1024x1024", quality="low"))
               for i in range(5)]
        at = _job_view(ids)
        [bar] = at.get("progress")
        assert bar.proto.text.startswith("5 runs: ") and "typical · demo" in bar.proto.text
        assert f" {bar.proto.value}% " in bar.proto.text                   # the bar and its label agree
        at.button(key="t.cancel_all").click().run()
        assert {jobs_for_test.store.get_job(i).status for i in ids} == {"cancelled"}
        assert not at.get("progress") and len(at.info) == 5
        # Up to three runs keep a line (and a Cancel) each.
        few = [jobs_for_test.submit(client, ImageRequest(prompt=f"few {i}", size="1024x1024", quality="low"))
               for i in range(2)]
        at = _job_view(few)
        assert len(at.get("progress")) == 2 and {b.key for b in at.button} == {f"t.cancel.{i}" for i in few}
        for i in few:
            jobs_for_test.cancel(i)
    finally:
        client.close()


class _Job:
    def __init__(self, **kw):
        self.__dict__.update(dict(id="j", provider="demo", status="running", n=1, progress=None, created_at=0.0), **kw)


def test_the_live_bar_agrees_with_its_label():
    from components.job_view import _typical, progress_state

    typical = _typical(_Job())
    # No progress reported (or the 0 an async provider starts at): the bar is the time against the typical.
    for progress in (None, 0):
        percent, label = progress_state(_Job(progress=progress, status="pending"), now=typical / 2)
        assert percent == 50 and f"{typical / 2:.0f} s of ~{typical:.0f} s typical · demo · n=1" in label
    # Reported progress: the bar and the label give the same percentage (29, not a float's 28.999…).
    percent, label = progress_state(_Job(progress=29, status="pending"), now=5)
    assert percent == 29 and "29%" in label and "typical" not in label
    # Over the typical time: just short of full, and the label says it is running long.
    percent, label = progress_state(_Job(), now=typical * 3)
    assert percent == 95 and "(running long)" in label


def test_a_lightbox_left_behind_on_another_page_stops_holding_toasts(demo, jobs_for_test):
    _seed(demo, jobs_for_test, [("left behind", "1024x1024")])
    at = _open()
    [row] = jobs_for_test.store.list_images()
    _dialog(at, row)
    at.switch_page("pages/usage.py").run()                   # the browser's Back button: no dismiss, no close
    at.session_state["easel.toasts"] = ["Added as a reference on Generate"]
    at.run()
    assert lightbox.DIALOG not in at.session_state
    assert [t.value for t in at.toast] == ["Added as a reference on Generate"]
