"""Boards, stars and share links through the real app under AppTest, over images the real JobService stored from
the simulator: star and add to a board from the lightbox and from a result card, the gallery filtered by board and
by star shows exactly those, the Boards page renames, deletes (images stay) and revokes, and a share link's page
shows the images and settings only while the link is live; revoked or expired, it has no image element at all."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from gallery_clicks import _tiles, gallery_count, open_in_gallery

from components import md_escape
from easel.providers import catalog
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import boards, share_links

import pytest
from app_session import open_app  # noqa: E402
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


def _seed(sim, jobs, prompts: list[str]) -> list:
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        ids = [jobs.submit(client, ImageRequest(prompt=p, size="1024x1024", quality="low")) for p in prompts]
        assert [jobs.wait(i, 30).status for i in ids] == ["completed"] * len(ids)
    finally:
        client.close()
    rows = {r.prompt: r for r in jobs.store.list_images()}
    return [rows[p] for p in prompts]


def _open(page: str | None = None, query: dict | None = None) -> AppTest:
    return open_app(page, query=query)


def _texts(at) -> list[str]:
    return [line for t in at.text for line in t.value.splitlines()]


def _tile_texts(at) -> list[str]:
    """The captions of the one-element grids (Gallery page, an opened board) and the page's own text."""
    tiles = _tiles(at, "gallery.grid") + _tiles(at, "boards.grid")
    return _texts(at) + [line for t in tiles for line in t["lines"]]


def _shown(at) -> list[str]:
    """The seeded prompts the page shows (sorted: the simulator finishes concurrent jobs in any order)."""
    return sorted(t for t in _tile_texts(at) if t in ("a fox", "an owl", "a kite"))


def test_star_and_board_from_the_lightbox_then_the_gallery_filters_show_exactly_those(demo, jobs_for_test):
    fox, owl, kite = _seed(demo, jobs_for_test, ["a fox", "an owl", "a kite"])
    store = jobs_for_test.store
    at = _open("pages/gallery.py")
    open_in_gallery(at, fox.id)
    ck = f"gallery.grid.{fox.id}.lb"
    at.button(key=f"{ck}.star").click().run()
    assert boards.is_starred(store, fox.id) and at.button(key=f"{ck}.star").label == "Starred"
    at.text_input(key=f"{ck}.newboard").input("client X, round 2")
    at.button(key=f"{ck}.addnew").click().run()
    [board] = boards.list_boards(store)
    assert board.name == "client X, round 2" and boards.board_image_ids(store, board.id) == [fox.id]
    assert at.multiselect(key=f"{ck}.boards").value == [board.id]
    # The owl goes on the same board through the multiselect; the kite is left alone.
    open_in_gallery(at, owl.id)
    at.multiselect(key=f"gallery.grid.{owl.id}.lb.boards").set_value([board.id]).run()
    assert sorted(boards.board_image_ids(store, board.id)) == sorted([owl.id, fox.id])
    assert not at.exception
    # Share… on this one result: a link to the owl alone, shown once in the popover.
    at.select_slider(key=f"gallery.grid.{owl.id}.lb.share.expiry").set_value("1 day")
    at.button(key=f"gallery.grid.{owl.id}.lb.share.create").click().run()
    [link] = share_links.list_links(store)
    assert link.image_ids == (owl.id,) and link.board_id is None and link.title == "an owl"
    assert round(link.expires_at - link.created_at) == 86400
    token = at.code[0].value.split("?share=")[1]
    assert share_links.resolve(store, token).link.id == link.id

    at = _open("pages/gallery.py")
    at.selectbox(key="gallery.board").set_value(board.id).run()
    assert _shown(at) == ["a fox", "an owl"] and gallery_count(at) == "2 images"
    at.toggle(key="gallery.starred").set_value(True).run()
    assert _shown(at) == ["a fox"] and gallery_count(at) == "1 image"
    at.selectbox(key="gallery.board").set_value(None).run()
    assert _shown(at) == ["a fox"]
    at.toggle(key="gallery.starred").set_value(False).run()
    assert _shown(at) == ["a fox", "a kite", "an owl"]


def test_star_from_a_result_card_on_generate(app, jobs_for_test):
    app.text_area(key="gen.prompt").input("a lighthouse at dusk").run()
    app.button(key="gen.go").click().run()
    [job_id] = app.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    app.run()
    store = jobs_for_test.store
    [row] = store.list_images()
    [star] = [b for b in app.button if (b.key or "").endswith(f".{row.id}.star")]
    assert star.label == "Star"
    star.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert boards.is_starred(store, row.id) and store.count_images(starred=True) == 1
    [star] = [b for b in app.button if (b.key or "").endswith(f".{row.id}.star")]
    assert star.label == "Starred"


def test_boards_page_renames_deletes_keeping_images_and_revokes_links(demo, jobs_for_test):
    fox, owl = _seed(demo, jobs_for_test, ["a fox", "an owl"])
    store = jobs_for_test.store
    one = boards.create_board(store, "round 1")
    two = boards.create_board(store, "round 2")
    boards.add_to_board(store, one, [fox.id, owl.id])
    boards.add_to_board(store, two, [owl.id])
    at = _open("pages/boards.py")
    assert "round 1" in _texts(at) and "2 images" in [c.value for c in at.caption]
    at.button(key=f"board.{one}.open").click().run()
    assert _shown(at) == ["a fox", "an owl"]

    at.text_input(key=f"board.{two}.name").input("round 2, final")
    at.button(key=f"board.{two}.rename").click().run()
    assert boards.get_board(store, two).name == "round 2, final" and "round 2, final" in _texts(at)

    at.button(key=f"board.{one}.delete").click().run()
    assert "Delete this board? Its images stay in the gallery and on other boards." in [w.value for w in at.warning]
    at.button(key=f"board.{one}.yes").click().run()
    assert boards.get_board(store, one) is None and "round 1" not in _texts(at)
    assert store.count_images() == 2 and boards.board_image_ids(store, two) == [owl.id]

    at.button(key=f"board.{two}.share.create").click().run()
    [link] = share_links.list_links(store)
    assert link.image_ids == (owl.id,) and link.board_id == two and link.title == "round 2, final"
    url = at.code[0].value
    token = url.split("?share=")[1]
    assert url == f"{url.split('?')[0]}?share={token}" and url.split("?")[0].endswith("/") and len(token) == 43
    assert share_links.resolve(store, token).status == "active"
    assert any(link.id in (b.key or "") for b in at.button)
    at.button(key=f"links.{link.id}.revoke").click().run()
    assert share_links.resolve(store, token).status == "revoked" and "No live share links." in [
        c.value for c in at.caption]


def test_a_share_link_shows_images_and_settings_and_nothing_once_revoked_or_expired(demo, jobs_for_test):
    fox, owl = _seed(demo, jobs_for_test, ["a fox", "an owl"])
    store = jobs_for_test.store
    token, link = share_links.create_link(store, [fox.id], 86400, title="for the client")
    at = _open(query={"share": token})
    assert [i for i in at.image] and len(at.image) == 1
    assert "a fox" in _texts(at) and "an owl" not in _texts(at)
    model = store.get_job(fox.job_id).model
    assert f"1024x1024 · low · {model} · Demo (offline simulator)" in _texts(at)
    assert at.title[0].value == "for the client"
    assert not at.sidebar.selectbox and not at.sidebar.text_input     # no provider controls, no key field
    assert at.download_button(key=f"shared.{fox.id}.dl")

    share_links.revoke(store, link.id)
    at = _open(query={"share": token})
    assert len(at.image) == 0 and not at.download_button
    assert [e.value for e in at.error] == ["This link was revoked. Ask whoever shared it for a new one."]

    token2, link2 = share_links.create_link(store, [owl.id], 3600, now=time.time() - 3601)
    at = _open(query={"share": token2})
    assert len(at.image) == 0
    [warning] = at.warning
    assert warning.value.startswith("This link expired on ")

    # A title is user text: shown as written, never as markdown (an image link in it would fetch).
    tricky = "![x](http://127.0.0.1:9/t.png) **bold**"
    token3, _ = share_links.create_link(store, [owl.id], 3600, title=tricky)
    at = _open(query={"share": token3})
    assert at.title[0].value == md_escape(tricky) and len(at.image) == 1

    at = _open(query={"share": "not-a-token"})
    assert len(at.image) == 0 and "not valid" in at.error[0].value


def _stored(store, prompts: list[str]) -> list:
    """Images written straight into the store (no provider needed): a small PNG each."""
    import io

    from PIL import Image

    from easel.core.models import ImageOut

    rows = []
    for i, prompt in enumerate(prompts):
        buf = io.BytesIO()
        Image.new("RGB", (64, 64), (i % 256, 90, 160)).save(buf, "PNG")
        job = store.create_job(provider="demo", prompt=prompt, status="completed", size="64x64",
                               created_at=time.time() - 1000 + i)
        rows.append(store.add_image(job, 0, ImageOut(data=buf.getvalue(), width=64, height=64, mime="image/png")))
    return rows


def test_a_large_board_shows_its_newest_48_and_opens_the_rest_in_the_gallery(jobs_for_test, demo):
    store = jobs_for_test.store
    rows = _stored(store, [f"tile {i}" for i in range(50)])
    board = boards.create_board(store, "big board")
    boards.add_to_board(store, board, [r.id for r in rows])
    at = _open("pages/boards.py")
    at.button(key=f"board.{board}.open").click().run()
    shown = [t for t in _tile_texts(at) if t.startswith("tile ")]
    assert len(shown) == 48 and "tile 49" in shown and "tile 1" not in shown and "tile 0" not in shown
    assert "The newest 48 of 50." in [c.value for c in at.caption]
    at.button(key="boards.in_gallery").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gallery.board").value == board and gallery_count(at) == "50 images"


def test_a_board_over_the_part_size_downloads_as_parts(jobs_for_test, demo, monkeypatch):
    from components import gallery

    store = jobs_for_test.store
    rows = _stored(store, ["a", "b", "c"])
    board = boards.create_board(store, "parts")
    boards.add_to_board(store, board, [r.id for r in rows])
    monkeypatch.setattr(gallery, "ZIP_PART_BYTES", max(r.bytes for r in rows) + 1)      # one image a part
    at = _open("pages/boards.py")
    assert not [b for b in at.get("download_button") if b.key == f"board.{board}.zip"]      # a popover, closed
    at.session_state[f"board.{board}.zip"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button") if (b.key or "").startswith(f"board.{board}.zip.part")]
    assert [x.split(" ·")[0] for x in labels] == ["Part 1 of 3", "Part 2 of 3", "Part 3 of 3"]
