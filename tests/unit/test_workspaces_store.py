"""Workspaces in the store (issue 20): a named person reads their own rows, the rows shared with the team and the
team's rows (owner ''); another person's private job, image, image hash, comparison, board or share link reads
exactly as a missing one. The single user and the process itself (viewer None) read everything."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from easel.core import identity
from easel.core.models import ImageOut
from easel.store import Store, boards, comparisons, partials, share_links, zip_export
from easel.store import batches
from easel.store.boards import BoardError

pytestmark = pytest.mark.usefixtures("engine")

ANA = identity.Person("ana@example.com", "Ana")
BEN = identity.Person("ben@example.com", "Ben")


def _png(shade: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (shade, 40, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def _job(store: Store, who: identity.Person, prompt: str, shade: int, *, provider: str = "demo",
         comparison_id: str | None = None) -> tuple[str, int]:
    """One completed one-image job made by `who` (as identity.current() says at creation)."""
    with identity.use_person(who):
        job = store.create_job(provider=provider, prompt=prompt, status="completed", size="32x24",
                               comparison_id=comparison_id)
    image = store.add_image(job, 0, ImageOut(data=_png(shade), width=32, height=24, mime="image/png"))
    return job, image.id


@pytest.fixture
def world(store):
    """ana: two private jobs and a comparison and a board; ben: one private job and a board; the team (owner
    ''): one job made before sign-in was on."""
    w = {}
    w["ana1"] = _job(store, ANA, "ana private one", 10)
    w["ana2"] = _job(store, ANA, "ana private two", 20, provider="gccai")
    w["ben1"] = _job(store, BEN, "ben private", 30)
    w["team"] = _job(store, identity.SINGLE, "team shot", 40)
    with identity.use_person(ANA):
        w["cmp"] = comparisons.create_comparison(store, prompt="ana compares", settings={})
    w["cmp_job"] = _job(store, ANA, "ana compares", 50, provider="icodeeasy", comparison_id=w["cmp"])
    w["ana_board"] = boards.create_board(store.for_viewer(ANA), "Client X")
    boards.add_to_board(store.for_viewer(ANA), w["ana_board"], [w["ana1"][1]])
    w["ben_board"] = boards.create_board(store.for_viewer(BEN), "Client X")     # unique per person, not team
    return w


def _job_ids(view) -> set[str]:
    return {j.id for j in view.list_jobs(limit=1000)}


def _image_ids(view) -> set[int]:
    return {i.id for i in view.list_images(limit=1000)}


def test_new_rows_carry_their_makers_id(store, world):
    assert store.get_job(world["ana1"][0]).owner == "ana@example.com"
    assert store.get_job(world["ben1"][0]).owner == "ben@example.com"
    assert store.get_job(world["team"][0]).owner == ""
    assert comparisons.get_comparison(store, world["cmp"]).owner == "ana@example.com"
    owners = dict(r for r in store.query("SELECT id, owner FROM boards"))
    assert owners == {world["ana_board"]: "ana@example.com", world["ben_board"]: "ben@example.com"}
    with identity.use_person(BEN):
        bid = batches.create_batch(store, name="ben's batch", settings={})
    assert batches.batch_owner(store, bid) == "ben@example.com"
    assert batches.get_batch(store.for_viewer(ANA), bid) is None
    assert [b.id for b in batches.list_batches(store.for_viewer(BEN))] == [bid]


def test_each_person_lists_own_and_team_rows_and_counts_match(store, world):
    ana, ben = store.for_viewer(ANA), store.for_viewer(BEN)
    team = world["team"][0]
    assert _job_ids(ana) == {world["ana1"][0], world["ana2"][0], world["cmp_job"][0], team}
    assert _job_ids(ben) == {world["ben1"][0], team}
    assert _image_ids(ben) == {world["ben1"][1], world["team"][1]}
    for view in (ana, ben):
        assert view.count_jobs() == len(_job_ids(view))
        assert view.count_images() == len(_image_ids(view))
        assert view.count_images(provider="demo") == len(view.list_images(provider="demo", limit=1000))
    # Filter values come from what the person can see, not from the team-wide counts.
    assert ben.image_providers() == ["demo"]
    assert ana.image_providers() == ["demo", "gccai", "icodeeasy"]
    assert store.image_days() == ana.image_days() == ben.image_days()
    assert [c.id for c in comparisons.list_comparisons(ben)] == []
    assert [c.id for c in comparisons.list_comparisons(ana)] == [world["cmp"]]
    assert [b.id for b in boards.list_boards(ben)] == [world["ben_board"]]
    assert [b.id for b in boards.list_boards(ana)] == [world["ana_board"]]
    # A text search, a gallery ZIP and the CLI's lookup by prefix answer the same way.
    assert ben.list_images(text="private", limit=10)[0].id == world["ben1"][1]
    assert len(ben.list_images(text="private", limit=10)) == 1
    parts = zip_export.plan_parts(ben, 10**9)
    assert [p.count for p in parts] == [2]
    assert ben.find_jobs(world["ana1"][0][:6]) == []


def test_another_persons_private_rows_read_as_missing(store, world):
    ben = store.for_viewer(BEN)
    ana_job, ana_image = world["ana1"]
    sha = store.get_image(ana_image).sha256
    assert ben.get_job(ana_job) is None
    assert ben.get_jobs([ana_job, world["ben1"][0]]).keys() == {world["ben1"][0]}
    assert ben.get_image(ana_image) is None
    assert ben.find_image(sha) is None
    assert ben.find_image("0" * 64) is None
    assert ben.list_images(job_id=ana_job) == []
    assert ben.count_images(job_id=ana_job) == 0
    assert comparisons.get_comparison(ben, world["cmp"]) is None
    assert comparisons.list_columns(ben, world["cmp"]) == []
    assert comparisons.comparison_jobs(ben, world["cmp"]) == []
    assert ben.list_images(comparison_id=world["cmp"]) == []
    assert boards.get_board(ben, world["ana_board"]) is None
    assert boards.board_image_ids(ben, world["ana_board"]) == []
    partials.add_partial(store, ana_job, 0, ImageOut(data=_png(70), width=32, height=24, mime="image/png"))
    assert partials.latest_partial(ben, ana_job) is None and partials.list_partials(ben, ana_job) == []
    assert partials.latest_partial(store.for_viewer(ANA), ana_job).partial_index == 0
    assert ben.list_images(board_id=world["ana_board"]) == []
    # ana reads her own.
    ana = store.for_viewer(ANA)
    assert ana.get_job(ana_job).id == ana_job
    assert ana.find_image(sha).id == ana_image
    assert boards.board_image_ids(ana, world["ana_board"]) == [ana_image]


def test_sharing_shows_a_result_and_unsharing_hides_it(store, world):
    ana, ben = store.for_viewer(ANA), store.for_viewer(BEN)
    ana_job, ana_image = world["ana1"]
    assert ben.set_shared(ana_job, True) is False          # only the owner shares
    assert ben.get_job(ana_job) is None
    assert ana.set_shared(ana_job, True) is True
    assert ben.get_job(ana_job).shared == 1
    assert ben.get_image(ana_image).id == ana_image
    assert ana_image in _image_ids(ben) and ben.count_images() == len(_image_ids(ben)) == 3
    assert ben.set_shared(ana_job, False) is False         # ben cannot take it back either
    assert ana.set_shared(ana_job, False) is True
    assert ben.get_job(ana_job) is None and ben.get_image(ana_image) is None
    assert ben.count_images() == 2


def test_sharing_a_comparison_shares_its_columns(store, world):
    ana, ben = store.for_viewer(ANA), store.for_viewer(BEN)
    cid, (cjob, cimage) = world["cmp"], world["cmp_job"]
    assert comparisons.set_comparison_shared(ben, cid, True) is False
    assert comparisons.get_comparison(ben, cid) is None
    assert comparisons.set_comparison_shared(ana, cid, True) is True
    assert comparisons.get_comparison(ben, cid).shared == 1
    assert [j.id for j in comparisons.comparison_jobs(ben, cid)] == [cjob]
    assert ben.get_image(cimage).id == cimage
    # A rerun of a shared comparison's column is shared with it.
    rerun, rerun_image = _job(store, ANA, "ana compares again", 60, comparison_id=cid)
    comparisons.add_column(store, cid, 0, target="demo", label="Demo", plan={}, job_id=cjob)
    assert comparisons.set_column_job(store, cid, 0, rerun) is True
    assert ben.get_image(rerun_image).id == rerun_image
    assert [c.job_id for c in comparisons.list_columns(ben, cid)] == [rerun]
    assert comparisons.set_comparison_shared(ana, cid, False) is True
    assert comparisons.get_comparison(ben, cid) is None and ben.get_image(cimage) is None


def test_writes_on_another_persons_private_rows_are_refused(store, world):
    ben, ana = store.for_viewer(BEN), store.for_viewer(ANA)
    ana_job, ana_image = world["ana1"]
    assert ben.delete_image(ana_image) is False
    assert store.get_image(ana_image).deleted == 0
    assert boards.set_starred(ben, ana_image, True) is False
    assert boards.is_starred(store, ana_image) is False
    with pytest.raises(BoardError) as gone:
        boards.add_to_board(ben, world["ben_board"], [ana_image])
    assert gone.value.code == "image_gone"
    with pytest.raises(BoardError) as gone:
        boards.add_to_board(ben, world["ana_board"], [world["ben1"][1]])
    assert gone.value.code == "board_gone"
    with pytest.raises(BoardError) as gone:
        boards.rename_board(ben, world["ana_board"], "mine now")
    assert gone.value.code == "board_gone"
    assert boards.remove_from_board(ben, world["ana_board"], ana_image) is False
    assert boards.delete_board(ben, world["ana_board"]) is False
    assert boards.board_image_ids(ana, world["ana_board"]) == [ana_image]
    with pytest.raises(KeyError):
        comparisons.set_winner(ben, world["cmp"], world["cmp_job"][1])
    # A share link holds only what its maker may read; another person's links are not theirs to list or revoke.
    with pytest.raises(share_links.ShareLinkError):
        share_links.create_link(ben, [ana_image], 3600)
    token, link = share_links.create_link(ana, [ana_image], 3600)
    assert link.image_ids == (ana_image,)
    assert share_links.list_links(ben) == [] and share_links.revoke(ben, link.id) is False
    assert [x.id for x in share_links.list_links(ana)] == [link.id]
    # The token is the credential: whoever holds it sees the link's images.
    assert [r.id for r in share_links.shared_images(ben, share_links.resolve(ben, token))] == [ana_image]
    # A shared result is the team's to see, its owner's to delete.
    ana.set_shared(ana_job, True)
    assert ben.get_image(ana_image) is not None and ben.delete_image(ana_image) is False
    # ana's own writes go through; anyone may delete the team's (owner '') images.
    assert ana.delete_image(ana_image) is True
    assert ben.delete_image(world["team"][1]) is True


@pytest.mark.parametrize("viewer", [None, identity.SINGLE], ids=["process", "single"])
def test_the_single_user_and_the_process_see_everything(store, world, viewer):
    view = store.for_viewer(viewer)
    assert not view.scoped
    everyone = {world[k][0] for k in ("ana1", "ana2", "ben1", "team", "cmp_job")}
    assert _job_ids(view) == everyone
    assert view.count_images() == len(_image_ids(view)) == 5
    assert view.get_job(world["ana1"][0]) is not None and view.get_image(world["ben1"][1]) is not None
    assert comparisons.get_comparison(view, world["cmp"]) is not None
    assert {b.id for b in boards.list_boards(view)} == {world["ana_board"], world["ben_board"]}


def test_the_gallerys_whose_filter_splits_what_a_person_sees(store, world):
    ana = store.for_viewer(ANA)
    store.for_viewer(BEN).set_shared(world["ben1"][0], True)
    mine = {i.id for i in ana.list_images(whose="mine", limit=100)}
    shared = {i.id for i in ana.list_images(whose="shared", limit=100)}
    assert mine == {world["ana1"][1], world["ana2"][1], world["cmp_job"][1]}
    assert shared == {world["team"][1], world["ben1"][1]}
    assert mine | shared == _image_ids(ana) and not mine & shared
    assert ana.count_images(whose="mine") == 3 and ana.count_images(whose="shared") == 2
    # The single user has no "mine": the filter reads everything.
    assert store.count_images(whose="mine") == store.count_images() == 5


def test_the_job_services_page_calls_take_the_viewer(store, world):
    from easel.jobs.job_service import JobService

    svc = JobService(store, recover=False)
    try:
        ana_job, ben_job = world["ana1"][0], world["ben1"][0]
        assert svc.get(ana_job, viewer=BEN) is None and svc.get(ana_job).id == ana_job    # the poller reads all
        with pytest.raises(KeyError):
            svc.check_now(ana_job, viewer=BEN)
        assert svc.stop_following(ana_job, viewer=BEN) is False
        assert store.get_job(ana_job).followed == 1
        # Clear finished: only the clicking person's own jobs; the team's and ben's stay listed.
        assert svc.clear_finished(viewer=ANA) == 3
        assert {j.id for j in store.list_jobs(followed=True)} == {ben_job, world["team"][0]}
        assert svc.clear_finished(viewer=BEN) == 1
        assert [j.id for j in store.list_jobs(followed=True)] == [world["team"][0]]
    finally:
        svc.close(wait=True)


def test_filter_values_are_what_the_person_can_see(store, world):
    with identity.use_person(ANA):
        job = store.create_job(provider="qcode", prompt="ana's edit", status="completed", endpoint="edits")
    store.add_image(job, 0, ImageOut(data=_png(90), width=32, height=24, mime="image/png"))
    ana, ben = store.for_viewer(ANA), store.for_viewer(BEN)
    assert store.image_origins() == ana.image_origins() == ["generate", "edit"]
    assert ben.image_origins() == ["generate"]
    assert "qcode" in store.image_providers() and "qcode" in ana.image_providers()
    assert ben.image_providers() == ["demo"]
    # Someone who can see nothing private has the team's image only; an empty view has no days.
    assert store.for_viewer(identity.Person("cy@example.com")).count_images() == 1
    ana.delete_image(world["team"][1])
    nobody = store.for_viewer(identity.Person("cy@example.com"))
    assert nobody.image_days() is None and nobody.image_providers() == [] and nobody.image_origins() == []


def test_a_scorecard_run_started_by_a_person_logs_its_jobs_as_theirs(monkeypatch, store):
    """The scorecard runs its probes on a thread of its own (components/scorecard_runner.py), which has no
    session: the jobs it logs still belong to the person who started it."""
    import threading

    from components import scorecard_runner

    made = []

    class Service:
        pass

    def run(service, client, plan, on_progress=None):
        made.append(store.create_job(provider="demo", prompt="probe"))
        return type("Run", (), {"run_id": "r1"})()

    monkeypatch.setattr(scorecard_runner.scorecard, "run", run)
    target = type("Target", (), {"label": "Demo", "owns_client": False, "make_client": lambda self: None})()
    with identity.use_person(ANA):
        state = scorecard_runner.start("session-1", Service(), [(target, type("Plan", (), {"probes": [1]})())])
    for thread in threading.enumerate():
        if thread.name == "easel-scorecard":
            thread.join(10)
    assert state.finished and state.run_ids == ["r1"]
    assert [store.get_job(j).owner for j in made] == ["ana@example.com"]


def test_batch_rows_sent_by_the_dispatchers_thread_are_their_batchs_owners(store, sim):
    """The dispatcher sends waiting rows on a thread with no session: each job is its batch's owner's (ana's
    batch stays ana's, not the team's), so ben never sees ana's batch results."""
    from easel import batch
    from easel.batch.dispatcher import dispatcher_for
    from easel.compare.targets import demo_target
    from easel.jobs.job_service import JobService

    svc = JobService(store, recover=False)
    try:
        data = b"prompt,size,quality\nana row one,1024x1024,low\nana row two,1024x1024,low\n"
        default = demo_target("demo:qcode", sim.url, "demo-test-key")
        plan = batch.plan_batch(store, batch.parse_csv(data), default,
                                lambda n: demo_target(n, sim.url, "demo-test-key"))
        with identity.use_person(ANA):
            bid = batch.start(svc, plan, name="ana.csv", dispatch=False)
        dispatcher_for(svc).start()              # its own thread: nobody is pinned there
        rows = batch.wait(svc, bid, timeout=60)
        assert [r.status for r in rows] == ["completed", "completed"]
        assert {store.get_job(r.job.id).owner for r in rows} == {"ana@example.com"}
        assert store.for_viewer(BEN).list_images(batch_id=bid) == []
        assert len(store.for_viewer(ANA).list_images(batch_id=bid)) == 2
        assert batch.results(store.for_viewer(BEN), bid) == []
    finally:
        dispatcher_for(svc).stop()
        svc.close(wait=True)
