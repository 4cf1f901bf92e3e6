"""The Compare page under AppTest, against the real simulator and a per-test SQLite store: the plan before
submitting (what each column sends, its change notes, the total), an unconfigured provider listed with its reason,
a bad size refused, then a 3-column run whose results, winner and gallery filter are read back."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from gallery_clicks import gallery_count

from components import md_escape
from easel.store import comparisons as cmp

import pytest
from app_session import open_app, start_comparison  # noqa: E402
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


def _open() -> AppTest:
    return open_app("pages/compare.py")


def _texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def test_the_plan_shows_each_columns_changes_and_the_total_before_sending(demo, jobs_for_test):
    at = _open()
    assert at.multiselect(key="cmp.providers").value == ["demo", "demo:gccai", "demo:qcode"]
    assert at.button(key="cmp.go").disabled                     # no prompt yet
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.selectbox(key="cmp.size").set_value("1536x1024")
    at.run()
    texts = _texts(at)
    assert md_escape("Changes: size 1536x1024 → 3:2 at 1K (gccai takes ratios); runs as a task: every gccai "
                     "request is one (submit, then poll)") in texts
    # Demo: 1584 output tokens × $40/M + 2 prompt tokens × $5/M; QCode's medium floor, USD 0.08.
    assert md_escape("Total ≈ USD 0.14337; not counted: Demo · gccai (no price before it reports one)") in texts
    assert not at.button(key="cmp.go").disabled
    # Nothing sent while planning (the sidebar's model list on the Demo is the only call).
    assert [r.endpoint for r in demo.requests()] == ["models"]


def test_an_unconfigured_provider_is_listed_with_its_reason(demo, jobs_for_test):
    at = _open()
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.multiselect(key="cmp.providers").set_value(["demo", "qcode"])
    at.run()
    assert ":orange[:material/key_off:] " + md_escape("QCode: no API key in this session: pick QCode in the "
                                                      "sidebar and type its key, or set EASEL_QCODE_API_KEY.") \
        in _texts(at)
    assert md_escape("Choose at least 2 providers you can use (Demo modes need no key).") in _texts(at)
    assert at.button(key="cmp.go").disabled


def test_a_typed_size_is_read_or_refused_with_the_rule():
    from components.compare_form import read_size

    assert read_size(" 1536×1024 ") == ("1536x1024", None)
    assert read_size("AUTO") == ("auto", None)
    assert read_size("big") == ("big", "Size must be WIDTHxHEIGHT in pixels (e.g. 1536x1024) or auto; got 'big'.")


def test_a_comparison_runs_fills_in_and_its_winner_is_a_gallery_filter(demo, jobs_for_test):
    at = _open()
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.selectbox(key="cmp.size").set_value("1536x1024")
    at.run()
    cid = start_comparison(at)
    store = jobs_for_test.store
    cols = cmp.list_columns(store, cid)
    assert [c.target for c in cols] == ["demo", "demo:gccai", "demo:qcode"]
    for c in cols:
        assert jobs_for_test.wait(c.job_id, 30).status == "completed"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert captions.count("1536×1024 px · asked 1536x1024 · ✓") == 3
    assert md_escape("est USD 0.06337 · reported USD 0.06337") in captions
    assert md_escape("est USD 0.08 · not reported · doc price USD 0.08") in captions
    at.button(key="cmp.win.1").click().run()
    winner = cmp.get_comparison(store, cid).winner_image_id
    assert winner == store.list_images(job_id=cols[1].job_id)[0].id
    assert "1536×1024 px · asked 1536x1024 · ✓ · ★ winner" in [c.value for c in at.caption]

    at.button(key="cmp.rerun.2").click().run()
    rerun = cmp.list_columns(store, cid)[2].job_id
    assert rerun != cols[2].job_id and store.get_job(rerun).comparison_id == cid
    assert jobs_for_test.wait(rerun, 30).status == "completed"
    at.run()
    assert not at.exception, [e.value for e in at.exception]

    at.switch_page("pages/gallery.py").run()
    assert gallery_count(at) == "4 images"          # three columns and the rerun
    at.toggle(key="gallery.winners").set_value(True).run()
    assert gallery_count(at) == "1 image"


def test_the_tasks_page_shows_one_comparisons_jobs_by_its_id(demo, jobs_for_test):
    """The compare grid's "Tasks" link opens Tasks with ?comparison=ID: only that comparison's jobs, each row
    naming its comparison, while the unfiltered list still shows every job."""
    at = _open()
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.multiselect(key="cmp.providers").set_value(["demo", "demo:qcode"])
    at.run()
    cid = start_comparison(at)
    store = jobs_for_test.store
    ids = [c.job_id for c in cmp.list_columns(store, cid)]
    for job_id in ids:
        jobs_for_test.wait(job_id, 30)
    other = store.create_job(provider="demo", status="completed", prompt="not in the comparison")

    at.switch_page("pages/tasks.py")
    at.query_params["comparison"] = cid
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.text if t.value in ("red fox", "not in the comparison")] == ["red fox", "red fox"]
    assert f"Only the jobs of comparison {cid}, reruns included." in [c.value for c in at.caption]
    assert sum(c.value.endswith(f" · comparison {cid[:8]}") for c in at.caption) == 2
    assert sorted(j.id for j in cmp.comparison_jobs(store, cid)) == sorted(ids) and other not in ids
    at.query_params.clear()
    at.switch_page("pages/usage.py").run()
    at.toggle(key="easel.usage.sim").set_value(True).run()         # the fake real job hides simulated rows by default
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "comparison_id" in d.value.columns)
    assert sorted(table.loc[table["comparison_id"] == cid, "id"]) == sorted(ids)
