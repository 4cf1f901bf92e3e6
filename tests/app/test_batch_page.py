"""Generate's Batch mode under AppTest, against the real simulator and a per-test SQLite store: the preview
(row count, total estimate, every invalid row with its rule) with nothing sent before Send; then the run, its
progress, retry of the failed rows as a group, and the gallery filtered by the batch."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from gallery_clicks import gallery_count

from components import md_escape
from easel.store import batches

import pytest
# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
INVALID = {7: ("800x600", "low"), 15: ("1024x1024", "ultra")}


def _csv(n: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["prompt", "size", "quality"])
    for i in range(1, n + 1):
        w.writerow([f"batch prompt {i}", *INVALID.get(i, ("1024x1024", "low"))])
    return out.getvalue().encode("utf-8")


def _open_batch(simulate: str = "qcode") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.selectbox(key="easel.demo.simulate").set_value(simulate).run()
    at.segmented_control(key="gen.mode").set_value("Batch").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def _until_finished(at, store, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bid = at.session_state["easel.batch.current"]
        from easel import batch

        if batch.progress(store, bid).finished:
            at.run()
            return
        time.sleep(0.2)
    raise AssertionError("the batch did not finish")


def test_the_preview_shows_count_cost_and_invalid_rows_and_sends_nothing(demo, jobs_for_test):
    at = _open_batch()
    assert at.button(key="batch.go").disabled                   # nothing to send yet
    at.file_uploader(key="batch.file").set_value(("rows.csv", _csv(20), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = _texts(at)
    assert "**20 rows** · 18 to send · 2 invalid" in texts
    assert md_escape("Estimate: USD 1.44") in texts            # 18 × QCode's low 1024x1024, USD 0.08
    assert ":material/schedule: " + md_escape("Demo · QCode: 18 rows, at most 2 at once on this key.") in texts
    invalid = at.dataframe[0].value
    assert list(invalid["Row"]) == [7, 15] and list(invalid["Rule"]) == ["unsupported_size", "unsupported_quality"]
    assert invalid["Why"][0].startswith("QCode (simulated) supports only the sizes")
    go = at.button(key="batch.go")
    assert go.label == "Send 18 rows" and not go.disabled
    # Nothing sent while previewing (the sidebar's model list is the only call) and nothing logged.
    assert [r.endpoint for r in demo.requests()] == ["models"]
    assert jobs_for_test.store.list_jobs(limit=10) == []
    assert batches.list_batches(jobs_for_test.store) == []


def test_pasted_prompts_run_as_a_batch_and_the_gallery_filters_by_it(demo, jobs_for_test):
    at = _open_batch("demo")
    at.text_area(key="batch.text").set_value("a red fox\n\na blue whale\na green owl\n").run()
    assert "**3 rows** · 3 to send · 0 invalid" in _texts(at)
    at.button(key="batch.go").click().run()
    store = jobs_for_test.store
    _until_finished(at, store)
    bid = at.session_state["easel.batch.current"]
    assert f"**Batch {bid}** · 3 done · 0 failed · 0 remaining" in _texts(at)
    assert [b.key for b in at.button if b.key and b.key.startswith("batch.retry")] == []    # nothing to retry
    sent = sorted(r.json["prompt"] for r in demo.requests("/v1/images/generations"))
    assert sent == ["a blue whale", "a green owl", "a red fox"]
    at.button(key=f"batch.gallery.{bid}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="gallery.batch").value == bid
    assert gallery_count(at) == "3 images"


def test_failed_rows_are_retried_as_a_group_from_the_page(demo, jobs_for_test):
    demo.set_faults([{"kind": "http_400", "times": 2, "endpoint": "submit"}])
    at = _open_batch("demo")
    at.text_area(key="batch.text").set_value("one\ntwo\nthree\nfour\n").run()
    at.button(key="batch.go").click().run()
    store = jobs_for_test.store
    _until_finished(at, store)
    bid = at.session_state["easel.batch.current"]
    assert f"**Batch {bid}** · 2 done · 2 failed · 0 remaining" in _texts(at)
    failed = at.dataframe[0].value
    assert list(failed["Code"]) == ["invalid_request_error"] * 2
    retry = at.button(key=f"batch.retry.{bid}")
    assert retry.label == "Retry 2 failed"
    retry.click().run()
    _until_finished(at, store)
    assert f"**Batch {bid}** · 4 done · 0 failed · 0 remaining" in _texts(at)
    assert store.count_images(batch_id=bid) == 4


def test_a_reload_with_the_batch_in_the_url_shows_its_progress(demo, jobs_for_test):
    at = _open_batch("demo")
    at.text_area(key="batch.text").set_value("a red fox\na blue whale\n").run()
    at.button(key="batch.go").click().run()
    bid = at.session_state["easel.batch.current"]
    assert at.query_params["batch"] == bid
    _until_finished(at, jobs_for_test.store)
    # A new browser session (a reload) with only the URL: Batch mode opens on the same batch.
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    again.query_params["batch"] = bid
    again.run()
    assert not again.exception, [e.value for e in again.exception]
    assert again.segmented_control(key="gen.mode").value == "Batch"
    assert f"**Batch {bid}** · 2 done · 0 failed · 0 remaining" in _texts(again)


def test_the_app_sends_rows_a_previous_process_left_waiting(demo, easel_data_dir):
    from components import services
    from easel import batch
    from easel.compare.targets import demo_target
    from easel.jobs.job_service import JobService
    from easel.store import Store

    before = JobService(Store(easel_data_dir / "easel.db"), recover=False)
    plan = batch.plan_batch(before.store, batch.parse_text("a fox\na whale\n"), demo_target("demo", demo.url),
                            lambda n: demo_target(n, demo.url))
    bid = batch.start(before, plan, name="left.txt", dispatch=False)      # the process ended before sending
    before.close(wait=True)
    svc = services.jobs_for(str(easel_data_dir))                         # what the app's first page view does
    try:
        rows = batch.wait(svc, bid, timeout=30)
        assert [r.status for r in rows] == ["completed", "completed"]
        assert sorted(r.json["prompt"] for r in demo.requests("/v1/images/generations")) == ["a fox", "a whale"]
    finally:
        batch.dispatcher_for(svc).stop()
        services.forget(str(easel_data_dir))
        svc.close(wait=True)
