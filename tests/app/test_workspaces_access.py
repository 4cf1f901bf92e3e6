"""Workspaces under AppTest (issue 20): with ben signed in, every page that takes a job id, image id, comparison
id, board id or batch id from the URL or from a widget's value answers for ana's private one exactly as for a
made-up one ("not found"), and draws none of its images, prompts or downloads. And ana's "Clear finished" leaves
ben's finished jobs listed for ben.

The signed-in person comes from a resolver (easel.core.identity.set_person_resolver), as the sign-in installs
one; it is held for the test so the app's own installation (app.py, for st.user) does not replace it.
Real parts: the app's pages, a real store on both engines, the app's JobService.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from components import md_escape
from easel.core import identity
from easel.core.models import ImageOut
from easel.store import batches, boards, comparisons

from app_session import open_app  # noqa: E402
from apptest_text import element_text  # noqa: E402
from gallery_clicks import _grid_payload, _tiles, _trigger, open_in_gallery  # noqa: E402

pytestmark = pytest.mark.usefixtures("engine")

ANA = identity.Person("ana@example.com", "Ana")
BEN = identity.Person("ben@example.com", "Ben")
SECRET = "ana secret lighthouse"
MADE_UP_JOB = "f" * 32
MADE_UP_IMAGE = 987654
MADE_UP_ID = "0123456789ab"


@pytest.fixture
def signed_in(monkeypatch):
    """{"who": person}: the person every session of the test is signed in as; a test switches it between runs."""
    who = {"who": BEN}
    identity.set_person_resolver(lambda: who["who"])
    monkeypatch.setattr(identity, "set_person_resolver", lambda resolver: None)
    yield who
    monkeypatch.undo()
    identity.set_person_resolver(None)


def _png(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 90, 160)).save(buf, "PNG")
    return buf.getvalue()


def _job(store, who, prompt: str, shade: int, **kw) -> tuple[str, object]:
    with identity.use_person(who):
        job = store.create_job(provider="demo", prompt=prompt, status="completed", size="64x48", **kw)
    return job, store.add_image(job, 0, ImageOut(data=_png(shade), width=64, height=48, mime="image/png"))


@pytest.fixture
def world(jobs_for_test, signed_in):
    """ana's private job, image, comparison (one column), board and batch; ben's own finished job."""
    store = jobs_for_test.store
    w = {}
    w["job"], w["image"] = _job(store, ANA, SECRET, 10)
    with identity.use_person(ANA):
        w["cmp"] = comparisons.create_comparison(store, prompt=SECRET, settings={"prompt": SECRET})
        w["batch"] = batches.create_batch(store, name="ana's batch", settings={})
    cjob, cimage = _job(store, ANA, SECRET + " compared", 20, comparison_id=w["cmp"])
    comparisons.add_column(store, w["cmp"], 0, target="demo", label="Demo", plan={}, job_id=cjob)
    w["board"] = boards.create_board(store.for_viewer(ANA), "Ana's client board")
    boards.add_to_board(store.for_viewer(ANA), w["board"], [w["image"].id])
    w["ben_job"], w["ben_image"] = _job(store, BEN, "ben own owl", 30)
    return w


def _page(page: str, *, query: dict | None = None, state: dict | None = None):
    return open_app(page, query=query, state=state)


def _carries_nothing_of_anas(at, world) -> None:
    text = element_text(at)
    assert SECRET not in text
    assert world["image"].sha256 not in text
    assert "Ana's client board" not in text
    for tile in _tiles(at) + _tiles(at, "boards.grid"):
        assert tile["id"] != world["image"].id
    keys = [b.key or "" for b in at.get("download_button")]
    assert not [k for k in keys if str(world["image"].id) in k.split(".")]


def _same_as_made_up(ana_at, made_up_at, ana_id: str, made_up_id: str) -> None:
    """What the page drew for ana's id is what it drew for a made-up one (the id itself aside)."""
    assert element_text(ana_at).replace(ana_id, "ID") == element_text(made_up_at).replace(made_up_id, "ID")


def test_compare_answers_for_anas_comparison_as_for_a_missing_one(world):
    ana = _page("pages/compare.py", query={"comparison": world["cmp"]})
    made_up = _page("pages/compare.py", query={"comparison": MADE_UP_ID})
    assert [w.value for w in ana.warning] == [md_escape(f"No comparison {world['cmp']} in this data directory.")]
    assert [w.value for w in made_up.warning] == [md_escape(f"No comparison {MADE_UP_ID} in this data directory.")]
    assert len(ana.image) == len(made_up.image) == 0
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["cmp"], MADE_UP_ID)


def test_tasks_lists_only_bens_jobs_and_not_anas_comparison(world):
    at = _page("pages/tasks.py")
    texts = [t.value for t in at.text]
    assert "ben own owl" in texts and SECRET not in texts
    _carries_nothing_of_anas(at, world)
    ana = _page("pages/tasks.py", query={"comparison": world["cmp"]})
    made_up = _page("pages/tasks.py", query={"comparison": MADE_UP_ID})
    assert [i.value for i in ana.info] == [i.value for i in made_up.info] == [
        "No jobs here yet. Generate or edit an image, or run `easel generate --async`."]
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["cmp"], MADE_UP_ID)


def test_edit_from_gallery_with_anas_image_id_is_not_found(world):
    ana = _page("pages/edit.py", state={"easel.edit_source": world["image"].id})
    made_up = _page("pages/edit.py", state={"easel.edit_source": MADE_UP_IMAGE})
    assert [e.value for e in ana.error] == [e.value for e in made_up.error]
    assert md_escape("That gallery image is no longer there.") in ana.error[0].value
    assert len(ana.image) == len(made_up.image) == 0
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, str(world["image"].id), str(MADE_UP_IMAGE))
    # ben's own image opens.
    own = _page("pages/edit.py", state={"easel.edit_source": world["ben_image"].id})
    assert not own.error
    assert f"Source: gallery image #{world['ben_image'].id}, 64×48" in [t.value for t in own.text]


def test_generate_with_anas_image_as_a_reference_or_anas_batch_in_the_url_shows_nothing(world):
    ana = _page("pages/generate.py", state={"easel.references": [world["image"].id]})
    made_up = _page("pages/generate.py", state={"easel.references": [MADE_UP_IMAGE]})
    assert len(ana.image) == len(made_up.image) == 0
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, str(world["image"].id), str(MADE_UP_IMAGE))
    ana = _page("pages/generate.py", query={"batch": world["batch"]})
    made_up = _page("pages/generate.py", query={"batch": MADE_UP_ID})
    assert "ana's batch" not in element_text(ana)
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["batch"], MADE_UP_ID)


def test_gallery_never_opens_or_lists_anas_image_nor_filters_by_her_board(world):
    from components.image_actions import DIALOG
    from components.image_organize import BOARD_FILTER

    ana = _page("pages/gallery.py", state={DIALOG: ("gallery.grid", world["image"].id), BOARD_FILTER: world["board"]})
    made_up = _page("pages/gallery.py", state={DIALOG: ("gallery.grid", MADE_UP_IMAGE), BOARD_FILTER: MADE_UP_ID})
    assert [t["id"] for t in _tiles(ana)] == [world["ben_image"].id]
    _columns, _tiles_sent, thumbs = _grid_payload(ana)
    assert not [k for k in thumbs if k.startswith(world["image"].sha256)]
    assert DIALOG not in ana.session_state and ana.session_state[BOARD_FILTER] is None
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["board"], MADE_UP_ID)
    # The grid's only hash from the browser: thumbnails it reports missing. Ana's hash brings nothing back.
    from components.gallery_grid import _thumb_key
    from easel.media import thumbnails

    asked = [_thumb_key(world["image"], side) for side in (thumbnails.GRID_SIDE, thumbnails.TILE_SIDE)]
    _trigger(ana, "missing", asked)
    ana.run()
    _columns, _sent, thumbs = _grid_payload(ana)
    assert not [k for k in thumbs if k.startswith(world["image"].sha256)]
    assert [t["id"] for t in _tiles(ana)] == [world["ben_image"].id]
    # The "whose" filter, for a signed-in person: ben's own, the team's and others' shared ones.
    at = _page("pages/gallery.py", state={"gallery.whose": "shared"})
    assert _tiles(at) == [] and [i.value for i in at.info] == ["No images match."]


def test_boards_never_open_anas_board(world):
    ana = _page("pages/boards.py", state={"boards.open": world["board"]})
    made_up = _page("pages/boards.py", state={"boards.open": MADE_UP_ID})
    assert [i.value for i in ana.info][:1] == ["No boards yet. Name one above, or use Add to board in any image's "
                                               "lightbox."]
    assert len(ana.image) == len(made_up.image) == 0
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["board"], MADE_UP_ID)


def test_a_shared_result_shows_and_its_toggle_is_only_its_owners(world, jobs_for_test, signed_in):
    store = jobs_for_test.store
    store.for_viewer(ANA).set_shared(world["job"], True)
    at = _page("pages/gallery.py")
    assert sorted(t["id"] for t in _tiles(at)) == sorted([world["image"].id, world["ben_image"].id])
    # ana's tile says whose it is; ben's own does not.
    by = {t["id"]: t["lines"][2].rsplit(" · ", 1)[-1] for t in _tiles(at)}
    assert by[world["image"].id] == "by ana" and not by[world["ben_image"].id].startswith("by ")
    at = _page("pages/gallery.py", state={"gallery.whose": "mine"})
    assert [t["id"] for t in _tiles(at)] == [world["ben_image"].id]
    store.for_viewer(ANA).set_shared(world["job"], False)
    at = _page("pages/gallery.py")
    assert [t["id"] for t in _tiles(at)] == [world["ben_image"].id]


def test_share_with_team_is_the_owners_toggle_in_the_lightbox_and_on_compare(world, jobs_for_test, signed_in):
    store = jobs_for_test.store
    image_id = world["image"].id
    toggle = f"gallery.grid.{image_id}.lb.team_share"
    signed_in["who"] = ANA
    at = _page("pages/gallery.py")
    open_in_gallery(at, image_id)
    assert at.toggle(key=toggle).label == "Share with team" and at.toggle(key=toggle).value is False
    assert at.button(key=f"gallery.grid.{image_id}.del").label == "Delete…"
    at.toggle(key=toggle).set_value(True).run()
    assert store.get_job(world["job"]).shared == 1
    assert at.toggle(key=toggle).label == "Shared with team"
    # ben now sees it, without a toggle: it is not his to share or take back.
    signed_in["who"] = BEN
    at = _page("pages/gallery.py")
    open_in_gallery(at, image_id)
    assert SECRET in [t.value for t in at.text]
    assert not [t for t in at.toggle if t.key == toggle]
    assert not [b for b in at.button if b.key == f"gallery.grid.{image_id}.del"]       # hers to delete, not his
    # On Compare: ana's toggle shares the comparison and its columns' results; ben gets no Rerun on hers.
    signed_in["who"] = ANA
    at = _page("pages/compare.py", query={"comparison": world["cmp"]})
    assert at.toggle(key="cmp.team_share").label == "Share with team"
    at.toggle(key="cmp.team_share").set_value(True).run()
    assert comparisons.get_comparison(store, world["cmp"]).shared == 1
    signed_in["who"] = BEN
    at = _page("pages/compare.py", query={"comparison": world["cmp"]})
    assert not at.warning and not [t for t in at.toggle if t.key == "cmp.team_share"]
    assert not [b for b in at.button if (b.key or "").startswith("cmp.rerun")]
    # The single user (no sign-in) sees no toggle anywhere: every row is theirs already.
    signed_in["who"] = identity.SINGLE
    at = _page("pages/compare.py", query={"comparison": world["cmp"]})
    assert not [t for t in at.toggle if t.key == "cmp.team_share"]


def test_share_with_team_on_a_generate_result_and_anas_job_id_in_bens_session_shows_nothing(world, jobs_for_test,
                                                                                         signed_in):
    signed_in["who"] = ANA
    at = _page("pages/generate.py", state={"easel.last_job.generate": [world["job"]]})
    assert at.toggle(key="gen.jobs.team_share").label == "Share with team"
    at.toggle(key="gen.jobs.team_share").set_value(True).run()
    assert jobs_for_test.store.get_job(world["job"]).shared == 1
    at.toggle(key="gen.jobs.team_share").set_value(False).run()
    assert jobs_for_test.store.get_job(world["job"]).shared == 0
    signed_in["who"] = BEN
    ana = _page("pages/generate.py", state={"easel.last_job.generate": [world["job"]]})
    made_up = _page("pages/generate.py", state={"easel.last_job.generate": [MADE_UP_JOB]})
    assert len(ana.image) == len(made_up.image) == 0
    assert not [t for t in ana.toggle if "team_share" in (t.key or "")]
    _carries_nothing_of_anas(ana, world)
    _same_as_made_up(ana, made_up, world["job"], MADE_UP_JOB)


def test_anas_clear_finished_leaves_bens_finished_jobs_listed_for_ben(world, signed_in):
    signed_in["who"] = ANA
    at = _page("pages/tasks.py")
    assert SECRET in [t.value for t in at.text] and "ben own owl" not in [t.value for t in at.text]
    at.button(key="easel.tasks.clear").click().run()
    assert not at.exception
    assert SECRET not in [t.value for t in at.text]
    signed_in["who"] = BEN
    at = _page("pages/tasks.py")
    assert "ben own owl" in [t.value for t in at.text]
