"""Batches end to end over loopback HTTP to the simulator, into a real SQLite file: a 20-row CSV with 2
invalid rows sends exactly the 18 others (prompts and sizes checked on the wire) within QCode's 2 in flight;
failed rows retried as a group; a restart resumes the rest; rows over the daily quota wait; the ZIP's batch.csv.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from PIL import Image

from easel import batch
from easel.batch import archive
from easel.batch.dispatcher import Dispatcher, dispatcher_for
from easel.compare.targets import demo_target
from easel.core.config import key_fingerprint
from easel.providers.catalog import PollSchedule
from easel.store import Store, batches

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

SIZES = ("1024x1024", "1536x1024", "1024x1536")
INVALID = {7: ("800x600", "medium", "unsupported_size"), 15: ("1024x1024", "ultra", "unsupported_quality")}


def _service(store=None):
    from easel.jobs.job_service import JobService

    return JobService(store or Store(), recover=store is not None, poll_schedule=PollSchedule(0.1, 0.1, 0.2, 60.0))


@pytest.fixture
def svc(easel_data_dir):
    s = _service()
    yield s
    dispatcher_for(s).stop()
    s.close(wait=True)


def _csv(n: int, invalid: dict | None = None) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["prompt", "size", "quality"])
    for i in range(1, n + 1):
        size, quality = (invalid or {}).get(i, (SIZES[i % 3], "low"))[:2]
        w.writerow([f"prompt {i:02d}: a lighthouse, variant {i}", size, quality])
    return out.getvalue().encode("utf-8")


def _plan(svc, sim, data: bytes, name: str = "demo:qcode", key: str = "demo-test-key"):
    default = demo_target(name, sim.url, key)
    return batch.plan_batch(svc.store, batch.parse_csv(data), default, lambda n: demo_target(n, sim.url, key))


def test_twenty_rows_with_two_invalid_send_eighteen_exactly_within_two_in_flight(svc, sim):
    sim.configure(latency=0.15)
    plan = _plan(svc, sim, _csv(20, INVALID))
    assert [(r.row, r.rule) for r in plan.invalid] == [(7, "unsupported_size"), (15, "unsupported_quality")]
    assert sim.requests("/qcode/") == []                         # planning sends nothing
    bid = batch.start(svc, plan, name="rows.csv", session_id="s1")
    rows = batch.wait(svc, bid, timeout=60)
    prog = batch.progress(svc.store, bid, rows)
    assert (prog.total, prog.invalid, prog.done, prog.failed, prog.remaining) == (20, 2, 18, 0, 0)
    by_row = {r.row: r for r in rows}
    assert [(n, by_row[n].status, by_row[n].error_code) for n in INVALID] == \
        [(7, "invalid", "unsupported_size"), (15, "invalid", "unsupported_quality")]
    # The wire: exactly the 18 valid prompts, each with its own row's size and quality, once.
    sent = sorted((r.json["prompt"], r.json["size"], r.json["quality"]) for r in sim.requests("/qcode/"))
    expected = sorted((f"prompt {i:02d}: a lighthouse, variant {i}", SIZES[i % 3], "low")
                      for i in range(1, 21) if i not in INVALID)
    assert sent == expected
    # QCode's cap: never more than 2 requests of the key in flight, and the batch did use both slots.
    assert sim.stats()["max_in_flight"]["qcode"] == 2
    jobs = svc.store.list_jobs(limit=100)
    assert len(jobs) == 18 and {j.batch_id for j in jobs} == {bid} and {j.session_id for j in jobs} == {"s1"}
    assert svc.store.count_images(batch_id=bid) == 18
    assert {i.job_id for i in svc.store.list_images(batch_id=bid, limit=100)} == {j.id for j in jobs}
    for r in rows:
        if r.status == "completed":
            w, h = map(int, r.request["size"].split("x"))
            assert (r.images[0].width, r.images[0].height) == (w, h)
            assert (r.cost, r.currency) == (r.job.cost_actual, "USD")


def test_the_dispatcher_sends_no_more_than_the_cap_and_the_rest_wait_in_the_store(svc, sim):
    sim.configure(latency=0.5)
    bid = batch.start(svc, _plan(svc, sim, _csv(5)), name="five.csv", dispatch=False)
    d = Dispatcher(svc)
    assert d.run_cycle() == 3                     # 2 sent (QCode: 2 in flight per key), 3 still waiting
    assert d.run_cycle() == 3                     # both still running: nothing more goes
    statuses = [r.status for r in batches.list_rows(svc.store, bid)]
    assert statuses.count("sent") == 2 and statuses.count("waiting") == 3
    dispatcher_for(svc).start()
    rows = batch.wait(svc, bid, timeout=30)
    assert [r.status for r in rows] == ["completed"] * 5


def test_failed_rows_are_retried_as_a_group(svc, sim):
    # A 400 is not retried by the client, so two of them fail exactly the first two rows sent (rows 1 and 2, both in
    # flight before either answers). A 5xx would be retried inside the job, and a third row could take the last one.
    sim.set_faults([{"kind": "http_400", "times": 2, "provider": "qcode", "endpoint": "submit"}])
    bid = batch.start(svc, _plan(svc, sim, _csv(4)), name="four.csv")
    rows = batch.wait(svc, bid, timeout=60)
    assert [(r.row, r.status, r.error_code) for r in rows] == [
        (1, "failed", "invalid_request_error"), (2, "failed", "invalid_request_error"), (3, "completed", None),
        (4, "completed", None)]
    prog = batch.progress(svc.store, bid, rows)
    assert (prog.done, prog.failed, prog.remaining) == (2, 2, 0)
    old = {r.row: r.job.id for r in rows}
    assert batch.retry_failed(svc, bid) == 2
    rows = batch.wait(svc, bid, timeout=60)
    assert [r.status for r in rows] == ["completed"] * 4
    assert [r.job.id == old[r.row] for r in rows] == [False, False, True, True]
    # The failed attempts stay in the usage log: 4 rows, 6 jobs, and each failed one is in it with its code.
    assert len(svc.store.list_jobs(limit=100)) == 6 and svc.store.count_images(batch_id=bid) == 4


def _stop_midway(sim, rows: int, key: str):
    """A batch on a first service that goes away after 2 rows are done (the rows it has in flight then, at most
    QCode's 2 per key, finish before it is gone). Returns (store path, batch id, rows left waiting, requests sent
    so far)."""
    sim.configure(latency=0.3)
    first = _service()
    bid = batch.start(first, _plan(first, sim, _csv(rows), key=key), name="rows.csv")
    deadline = time.monotonic() + 30
    while batch.progress(first.store, bid).done < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    dispatcher_for(first).stop()                 # the process goes away: its dispatcher stops sending
    first.close(wait=True)
    left = [r.row_no for r in batches.list_rows(first.store, bid) if r.status == "waiting"]
    assert 2 <= len(left) <= rows - 2
    return first.store.path, bid, left, len(sim.requests("/qcode/"))


def test_a_restart_resumes_the_rows_still_waiting_once_their_key_is_back(easel_data_dir, sim):
    path, bid, left, sent_before = _stop_midway(sim, 6, "team-qcode-key")
    second = _service(Store(path))               # a new process on the same SQLite file
    try:
        d = batch.resume(second)
        time.sleep(0.3)
        waiting = [r for r in batches.list_rows(second.store, bid) if r.status == "waiting"]
        assert [r.row_no for r in waiting] == left
        assert waiting[0].wait_message == (f"Waiting for the demo:qcode key {key_fingerprint('team-qcode-key')}: "
                                           "choose that provider with that key in this app (or run `easel batch` "
                                           "with it) to send the rest.")
        assert batch.progress(second.store, bid).waiting_message == waiting[0].wait_message
        # The key comes back (a session chooses the provider with it): the rest go.
        client = demo_target("demo:qcode", sim.url, "team-qcode-key").client()
        second.register(client)
        client.close()
        d.start()
        rows = batch.wait(second, bid, timeout=30)
        assert [r.status for r in rows] == ["completed"] * 6
        assert len(sim.requests("/qcode/")) == sent_before + len(left)
        assert second.store.count_images(batch_id=bid) == 6
    finally:
        dispatcher_for(second).stop()
        second.close(wait=True)


def test_a_restarted_demo_batch_goes_on_by_itself(easel_data_dir, sim, monkeypatch):
    monkeypatch.setenv("EASEL_SIMULATOR_URL", sim.url)      # the simulator the new process's Demo finds
    # 7 rows: when the first service stops after 2 are done, the key's 2 in flight may finish too, and 3 still wait.
    path, bid, left, sent_before = _stop_midway(sim, 7, "demo-test-key")
    second = _service(Store(path))
    try:
        batch.resume(second)
        rows = batch.wait(second, bid, timeout=30)
        assert [r.status for r in rows] == ["completed"] * 7
        assert len(sim.requests("/qcode/")) == sent_before + len(left)
    finally:
        dispatcher_for(second).stop()
        second.close(wait=True)


def test_rows_over_the_daily_quota_wait_until_the_beijing_reset(svc, sim):
    from easel.usage import quota

    fp = key_fingerprint("demo-test-key")
    for _ in range(98):
        svc.store.create_job(provider="qcode", status="completed", n=1, key_fingerprint=fp, simulated=True)
    plan = _plan(svc, sim, _csv(4))
    reset = quota.next_reset()
    when = f"00:00 Beijing time (16:00 UTC, {reset.day} {reset:%b})"
    # The preview says so before anything is sent.
    assert batch.limit_notes(svc.store, plan) == [
        "Demo · QCode: 4 rows, at most 2 at once on this key.",
        f"Demo · QCode: 98 of 100 images used today on this key; 2 row(s) (from row 3) wait for the reset at {when}."]
    bid = batch.start(svc, plan, name="four.csv", dispatch=False)
    d = Dispatcher(svc)
    assert d.run_cycle() == 2                     # 98 used: rows 1 and 2 fit in today's 100, 3 and 4 wait
    deadline = time.monotonic() + 30
    while any(r.job is not None and not r.job.is_terminal for r in batch.results(svc.store, bid)) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert d.run_cycle() == 2
    rows = batch.results(svc.store, bid)
    assert [r.status for r in rows] == ["completed", "completed", "waiting", "waiting"]
    assert rows[2].wait_until == reset.timestamp()
    assert rows[2].wait_message == (
        f"Waiting for Demo · QCode's daily quota: 100 of 100 images used today on this key. Sends again after "
        f"{when}.")
    assert batch.progress(svc.store, bid).waiting_message == rows[2].wait_message
    assert len(sim.requests("/qcode/")) == 2


def test_the_zip_holds_each_rows_images_and_a_batch_csv_manifest(svc, sim):
    plan = _plan(svc, sim, _csv(3, {2: ("800x600", "low")}))
    bid = batch.start(svc, plan, name="three.csv")
    rows = batch.wait(svc, bid, timeout=30)
    buf = io.BytesIO()
    archive.write_zip(svc.store, bid, buf)
    zf = zipfile.ZipFile(buf)
    assert sorted(zf.namelist()) == ["batch.csv", "row001-1.png", "row003-1.png"]
    shipped = Image.open(io.BytesIO(zf.read("row001-1.png")))
    assert shipped.size == (1536, 1024)
    # Like every PNG Easel hands out: its prompt and settings in Easel's chunk and A1111's `parameters`.
    assert "easel" in shipped.text and shipped.text["parameters"].splitlines()[0] == "prompt 01: a lighthouse, variant 1"
    manifest = list(csv.DictReader(io.StringIO(zf.read("batch.csv").decode("utf-8"))))
    assert list(manifest[0]) == list(archive.MANIFEST_COLUMNS)
    by = {int(m["row"]): m for m in manifest}
    r1, r3 = rows[0], rows[2]
    assert by[1] == {"row": "1", "prompt": "prompt 01: a lighthouse, variant 1", "provider": "demo:qcode",
                     "size": "1536x1024", "quality": "low", "n": "1", "job_id": r1.job.id, "status": "completed",
                     "files": "row001-1.png", "cost": f"{r1.job.cost_actual:g}", "currency": "USD",
                     "error_code": "", "error_message": ""}
    assert (by[2]["status"], by[2]["error_code"], by[2]["job_id"], by[2]["files"]) == \
        ("invalid", "unsupported_size", "", "")
    assert (by[3]["job_id"], by[3]["files"], by[3]["size"]) == (r3.job.id, "row003-1.png", "1024x1024")


def test_a_row_claimed_by_a_process_that_died_before_its_job_was_written_goes_again(svc, sim):
    bid = batch.start(svc, _plan(svc, sim, _csv(2)), name="two.csv", dispatch=False)
    assert batches.claim_row(svc.store, bid, 1)            # claimed, then the process died before submit
    with svc.store._write() as conn:
        conn.execute("UPDATE batch_rows SET updated_at = updated_at - 120 WHERE batch_id = ? AND row_no = 1", (bid,))
    assert batches.waiting_rows(svc.store)[0].row_no == 2
    batch.resume(svc)
    rows = batch.wait(svc, bid, timeout=30)
    assert [r.status for r in rows] == ["completed", "completed"]
    assert sorted(r.json["prompt"][:9] for r in sim.requests("/qcode/")) == ["prompt 01", "prompt 02"]


def test_a_batch_on_a_provider_whose_requests_are_tasks_runs_each_row_as_one(svc, sim):
    sim.configure(task_duration=0.2)
    data = b"prompt,size,quality\na kite,1536x1024,low\na bonsai,1024x1024,high\na teapot,auto,medium\n"
    plan = _plan(svc, sim, data, name="demo:gccai")
    assert [r.request.async_ for r in plan.valid] == [True, True, True]
    bid = batch.start(svc, plan, name="tasks.csv")
    rows = batch.wait(svc, bid, timeout=60)
    assert [(r.status, r.job.mode) for r in rows] == [("completed", "async")] * 3
    submits = sorted((r.json["prompt"], r.json["size"], r.json["resolution"]) for r in sim.requests("/gccai")
                     if r.endpoint == "submit")
    # Each row's own size as written (gccai's size table takes these pixel rows too) at the default 1K tier.
    assert submits == [("a bonsai", "1024x1024", "1k"), ("a kite", "1536x1024", "1k"), ("a teapot", "auto", "1k")]
    assert svc.store.count_images(batch_id=bid) == 3


def test_tasks_being_polled_hold_no_request_slot_so_the_next_rows_go(svc, sim):
    sim.configure(task_duration=3.0)
    data = "prompt\n" + "".join(f"kite {i}\n" for i in range(1, 11))
    bid = batch.start(svc, _plan(svc, sim, data.encode(), name="demo:gccai"), name="ten.csv", dispatch=False)
    d = Dispatcher(svc)

    def submitted() -> set[str]:
        deadline = time.monotonic() + 20
        while any(j.status in ("queued", "submitting") for j in svc.store.list_jobs(limit=20)) \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        return {j.status for j in svc.store.list_jobs(limit=20)}

    assert d.run_cycle() == 2                     # gccai's cap: 8 requests at once
    # The 8 tasks are submitted and followed by the poller (3 s each): their slots are free for the last 2.
    assert submitted() == {"pending"}
    assert d.run_cycle() == 0
    assert submitted() == {"pending"}
    assert len([r for r in sim.requests("/gccai") if r.endpoint == "submit"]) == 10
    dispatcher_for(svc).start()
    rows = batch.wait(svc, bid, timeout=60)
    assert [r.status for r in rows] == ["completed"] * 10
