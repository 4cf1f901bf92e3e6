"""A comparison end to end over loopback HTTP to the simulator: three columns (Demo, the Demo playing gccai's
tasks, the Demo playing QCode) run as ordinary jobs through JobService into a real SQLite store; they share one
comparison id; sizes, costs, the ZIP's manifest, a rerun and the winner's gallery tag are checked.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from PIL import Image

from easel import compare
from easel.compare import archive
from easel.providers.catalog import PollSchedule
from easel.store import comparisons as cmp

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

NAMES = ("demo", "demo:gccai", "demo:qcode")


@pytest.fixture
def svc(easel_data_dir):
    from easel.jobs.job_service import JobService
    from easel.store import Store

    s = JobService(Store(), recover=False, poll_schedule=PollSchedule(0.1, 0.1, 0.2, 60.0))
    yield s
    s.close(wait=True)


def _run(svc, sim, settings):
    plan = compare.plan_comparison(svc.store, [compare.demo_target(n, sim.url) for n in NAMES], settings)
    cid = compare.start(svc, plan, session_id="s1")
    for col in compare.results(svc.store, cid):
        assert col.job is not None, col.message
        svc.wait(col.job.id, timeout=30)
    return cid


def test_three_columns_share_one_comparison_and_report_sizes_costs_and_a_manifest(svc, sim):
    cid = _run(svc, sim, compare.CompareSettings(prompt="a lighthouse at dusk", size="1536x1024", quality="high"))
    cols = compare.results(svc.store, cid)
    assert [c.target for c in cols] == list(NAMES)
    assert [c.status for c in cols] == ["completed"] * 3
    assert {c.job.comparison_id for c in cols} == {cid}
    assert [c.actual_size for c in cols] == [(1536, 1024)] * 3
    # What went on the wire: gccai got a ratio and a tier, QCode its own pixel row.
    (gccai_submit,) = [r for r in sim.requests("/gccai") if r.method == "POST"]
    assert (gccai_submit.json["size"], gccai_submit.json["resolution"]) == ("3:2", "1k")
    (qcode_req,) = sim.requests("/qcode/")
    assert qcode_req.json["size"] == "1536x1024" and qcode_req.json["quality"] == "high"
    est = [c.estimate.amount for c in cols]
    # Demo: 6240 output tokens × $40/M + 5 prompt tokens (20 bytes / 4) × $5/M.
    assert est[0] == pytest.approx(0.249625, abs=1e-12) and est[1] is None and est[2] == 0.165
    # gccai reports its task's cost; QCode reports none, and the log bills it at its doc's price.
    assert cols[1].reported.amount == 0.16 and cols[1].billed.amount == 0.16  # the simulator's gccai: high 1k
    assert cols[2].reported is None and cols[2].billed.amount == 0.165 and cols[2].job.cost_formula == 0.165
    assert all(c.latency_s is not None and c.job.finished_at - c.job.created_at == c.latency_s for c in cols)
    # The gallery's filter by comparison holds exactly these images.
    assert svc.store.count_images(comparison_id=cid) == 3
    assert {i.job_id for i in svc.store.list_images(comparison_id=cid)} == {c.job.id for c in cols}

    buf = io.BytesIO()
    archive.write_zip(svc.store, cid, buf)
    zf = zipfile.ZipFile(buf)
    assert sorted(zf.namelist()) == ["01-demo-1.png", "02-demo-gccai-1.png", "03-demo-qcode-1.png", "comparison.json"]
    manifest = json.loads(zf.read("comparison.json"))
    assert manifest["comparison_id"] == cid and manifest["prompt"] == "a lighthouse at dusk"
    by = {c["target"]: c for c in manifest["columns"]}
    g = by["demo:gccai"]
    assert (g["provider"], g["status"], g["requested_size"], g["sent_size"], g["actual_size"]) == \
        ("gccai", "completed", "1536x1024", "3:2 at 1K", "1536x1024")
    assert (g["cost_estimate"], g["cost_reported"], g["currency"], g["error_code"]) == (None, 0.16, "USD", None)
    assert g["job_id"] == cols[1].job.id and g["file"] == "02-demo-gccai-1.png"
    assert g["latency_s"] == round(cols[1].latency_s, 3)
    assert by["demo:qcode"]["revised_prompt"] == cols[2].revised_prompt
    assert Image.open(io.BytesIO(zf.read("03-demo-qcode-1.png"))).size == (1536, 1024)
    # Each PNG carries its column's prompt and settings, as Easel's chunk and A1111's `parameters`.
    from easel.media import png_info

    info = png_info.read_info(zf.read("02-demo-gccai-1.png"))
    assert (info.source, info.prompt, info.settings["image_size"]) == ("easel", "a lighthouse at dusk", "1536x1024")
    assert "Size: 1536x1024" in Image.open(io.BytesIO(zf.read("02-demo-gccai-1.png"))).text["parameters"]


def test_rerun_replaces_one_column_and_the_winner_is_tagged_in_the_gallery(svc, sim):
    cid = _run(svc, sim, compare.CompareSettings(prompt="a red kite", size="1024x1024", quality="low"))
    before = compare.results(svc.store, cid)
    new_id = compare.rerun_column(svc, cid, 2, compare.demo_target("demo:qcode", sim.url))
    svc.wait(new_id, timeout=30)
    after = compare.results(svc.store, cid)
    assert after[2].job.id == new_id != before[2].job.id
    assert [c.job.id for c in after[:2]] == [c.job.id for c in before[:2]]
    assert svc.store.get_job(new_id).comparison_id == cid
    assert svc.store.get_job(before[2].job.id).status == "completed"     # the old job stays in the log

    first, second = after[0].image.id, after[1].image.id
    compare.pick_winner(svc.store, cid, first)
    compare.pick_winner(svc.store, cid, second)
    assert cmp.get_comparison(svc.store, cid).winner_image_id == second
    assert [i.id for i in svc.store.list_images(tag=cmp.WINNER_TAG)] == [second]
    assert svc.store.count_images(tag=cmp.WINNER_TAG) == 1
    with pytest.raises(KeyError):
        compare.pick_winner(svc.store, "other", first)


def _png(size, *, alpha_box=None) -> bytes:
    img = Image.new("RGBA", size, (40, 90, 160, 255))
    if alpha_box is not None:
        img.paste((0, 0, 0, 0), alpha_box)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_an_edit_with_a_mask_goes_where_each_provider_takes_it(svc, sim):
    from easel.providers.request import ImageInput

    src = ImageInput(data=_png((1024, 1024)), name="src.png", mime="image/png")
    mask = ImageInput(data=_png((1024, 1024), alpha_box=(0, 0, 512, 512)), name="mask.png", mime="image/png")
    names = ("demo", "demo:icodeeasy", "demo:qcode")
    plan = compare.plan_comparison(svc.store, [compare.demo_target(n, sim.url) for n in names],
                                   compare.CompareSettings(prompt="add a hat", size="1024x1024", images=(src,),
                                                           mask=mask))
    assert plan.columns[1].notes[0].startswith("mask dropped: icodeeasy's doc documents no mask parameter")
    cid = compare.start(svc, plan)
    cols = compare.results(svc.store, cid)
    assert [svc.wait(c.job.id, 30).status for c in cols] == ["completed"] * 3
    def fields(req) -> list[str]:
        return [f[0] for f in req.files]

    (demo_req,) = sim.requests("/demo/")
    assert demo_req.path.endswith("/images/edits") and fields(demo_req) == ["image", "mask"]
    (qcode_req,) = sim.requests("/qcode/")
    assert qcode_req.path.endswith("/images/edits") and fields(qcode_req) == ["image", "mask"]
    (ice_req,) = [r for r in sim.requests("/icodeeasy") if r.method == "POST"]
    assert "mask" not in fields(ice_req) and "mask" not in (ice_req.json or {}) and "mask" not in ice_req.form
    assert [svc.store.get_job(c.job.id).has_mask for c in cols] == [1, 0, 1]


def test_a_failed_column_keeps_its_code_and_the_others_complete(svc, sim):
    sim.set_faults([{"kind": "http_429_daily", "provider": "qcode"}])
    cid = _run(svc, sim, compare.CompareSettings(prompt="a kite", size="1024x1024", quality="low"))
    cols = compare.results(svc.store, cid)
    assert [c.status for c in cols] == ["completed", "completed", "failed"]
    assert cols[2].code == "image_daily_limit" and cols[2].reported is None and cols[2].billed.amount == 0.0
    assert cols[2].image is None and cols[2].latency_s is None
    entry = archive.manifest(svc.store, cid)["columns"][2]
    assert (entry["status"], entry["error_code"], entry["file"], entry["cost_reported"], entry["cost_billed"]) == \
        ("failed", "image_daily_limit", None, None, 0.0)
