"""JobService against the real simulator over loopback HTTP, with a real SQLite file in the test's data dir."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time

import pytest
from PIL import Image

from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.core.errors import ValidationError
from easel.jobs.job_service import JobService
from easel.jobs.keyring import KeyRing
from easel.providers.request import ImageInput, ImageRequest
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

KEY = "sk-test-jobs-0123456789"
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=5.0)


def make_client(sim, provider: str, key: str = KEY) -> ProviderClient:
    return ProviderClient(simulated_profile(get_profile(provider), sim.url), key)


@pytest.fixture
def service(easel_data_dir):
    services: list[JobService] = []

    def make(**kw) -> JobService:
        kw.setdefault("poll_schedule", FAST)
        svc = JobService(Store(), **kw)
        services.append(svc)
        return svc

    yield make
    for svc in services:
        svc.close()


def wait_for(predicate, timeout: float = 20.0):
    """Block until predicate() is truthy (the condition, not the time, is what the test asserts)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
        return img.size


def file_requests(sim):
    return [r for r in sim.requests() if r.endpoint == "file"]


# --- sync jobs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider,size,quality", [("demo", "1024x1024", "low"), ("qcode", "1024x1536", "medium")])
def test_a_sync_job_stores_the_png_and_logs_its_actual_cost(sim, service, provider, size, quality):
    svc = service()
    client = make_client(sim, provider)
    job_id = svc.submit(client, ImageRequest(prompt="a red fox", size=size, quality=quality), session_id="s1")
    job = svc.wait(job_id, timeout=30)
    assert job.status == "completed", job.error_message
    images = svc.store.list_images(job_id=job_id)
    assert len(images) == 1
    assert png_size(svc.store.image_bytes(images[0])) == tuple(int(x) for x in size.split("x"))
    assert job.cost_actual is not None and job.cost_actual > 0
    assert job.currency == get_profile(provider).currency
    assert job.latency_s is not None and job.finished_at >= job.created_at
    assert job.session_id == "s1" and job.params["prompt"] == "a red fox"
    assert [(a.attempt, a.status_code) for a in svc.store.list_attempts(job_id)] == [(1, 200)]
    client.close()


def test_no_key_is_written_anywhere_in_the_data_dir(sim, service, easel_data_dir):
    svc = service()
    secret = "sk-test-NEVER-ON-DISK-7f3a9"
    for provider in ("demo", "gccai"):
        client = make_client(sim, provider, key=secret)
        req = ImageRequest(prompt="a lighthouse", size="1:1" if provider == "gccai" else "1024x1024")
        assert svc.wait(svc.submit(client, req), timeout=30).status == "completed"
        client.close()
    svc.store.close()
    for path in easel_data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name


def test_a_request_that_breaks_a_rule_is_raised_and_not_logged(sim, service):
    svc = service()
    with pytest.raises(ValidationError):
        svc.submit(make_client(sim, "qcode"), ImageRequest(prompt="x", size="999x999"))
    assert svc.store.count_jobs() == 0
    assert sim.requests() == []


def test_a_provider_error_is_stored_as_code_and_message_at_no_cost(sim, service):
    svc = service()
    sim.set_faults([{"kind": "http_402", "times": 1}])
    job = svc.wait(svc.submit(make_client(sim, "qcode"), ImageRequest(prompt="a fox")), timeout=30)
    assert job.status == "failed"
    assert job.error_code == "payment_required"
    assert "HTTP 402" in job.error_message
    assert job.cost_actual == 0
    assert svc.store.list_images(job_id=job.id) == []


def test_qcode_never_has_more_than_two_requests_in_flight_per_key(sim, service):
    svc = service()
    sim.configure(latency=0.3, concurrency_cap=2)
    client = make_client(sim, "qcode")
    ids = [svc.submit(client, ImageRequest(prompt=f"fox {i}")) for i in range(6)]
    jobs = [svc.wait(i, timeout=60) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 6
    # The simulator answers 429 concurrency_exhausted to a third request in flight on one key.
    submits = [r for r in sim.requests() if r.endpoint == "submit"]
    assert len(submits) == 6
    assert all(r.status == 200 for r in submits)
    client.close()


def test_cancel_a_queued_job_sends_nothing(sim, service):
    svc = service()
    sim.configure(latency=3.0)
    client = make_client(sim, "qcode")
    running = [svc.submit(client, ImageRequest(prompt=f"busy {i}")) for i in range(2)]
    wait_for(lambda: len(sim.requests()) == 2)          # both of the key's two slots are taken
    queued = svc.submit(client, ImageRequest(prompt="never sent"))
    assert svc.cancel(queued) is True
    assert [svc.wait(j, timeout=30).status for j in running] == ["completed", "completed"]
    job = svc.get(queued)
    assert job.status == "cancelled" and job.cost_actual == 0
    assert not any((r.form.get("prompt") or [""])[0] == "never sent" for r in sim.requests())
    client.close()


def test_a_cancelled_running_call_still_keeps_its_paid_result(sim, service):
    svc = service()
    sim.configure(latency=1.0)
    job_id = svc.submit(make_client(sim, "demo"), ImageRequest(prompt="a slow fox"))
    wait_for(lambda: svc.get(job_id).status == "running")
    assert svc.cancel(job_id) is True
    wait_for(lambda: svc.store.count_images(job_id=job_id) == 1)
    job = wait_for(lambda: (j := svc.get(job_id)).cost_actual and j)
    assert job.status == "cancelled" and "kept" in job.error_message


def test_retry_sends_the_original_request_with_its_input_images(sim, service):
    svc = service()
    client = make_client(sim, "demo")
    source = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(source, "PNG")
    original = ImageRequest(prompt="make it night", size="1536x1024", quality="low",
                            images=[ImageInput.from_bytes(source.getvalue(), "city.png")])
    first = svc.wait(svc.submit(client, original), timeout=30)
    assert first.status == "completed"
    sim.reset()
    again = svc.wait(svc.retry(first.id, client), timeout=30)
    assert again.status == "completed" and again.id != first.id
    (sent,) = [r for r in sim.requests() if r.endpoint == "submit"]
    assert sent.form["prompt"] == ["make it night"] and sent.form["size"] == ["1536x1024"]
    assert [f[2] for f in sent.files if f[0] != "mask"] == [source.getvalue()]
    client.close()


# --- async tasks ---------------------------------------------------------------------------------------

def test_fifty_gccai_tasks_are_polled_with_one_batch_request_per_cycle(sim, service):
    # Submit everything first (a service that never polls), so one poller then follows all 50 at once.
    submitter = service(poll_schedule=PollSchedule(3600, 3600, 3600, 7200))
    sim.configure(task_duration=0.5)
    client = make_client(sim, "gccai")
    ids = [submitter.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1", resolution="1k", quality="low"))
           for i in range(50)]
    wait_for(lambda: submitter.store.count_jobs(status="pending") == 50)
    submitter.close()
    seen = len(sim.requests())

    # The key is on the ring before the poller starts, so its first cycle finds all 50 due at once.
    keyring = KeyRing()
    keyring.register(client)
    svc = service(keyring=keyring)
    jobs = [svc.wait(i, timeout=60) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 50
    assert all(svc.store.count_images(job_id=i) == 1 for i in ids)
    polls = [r for r in sim.requests()[seen:] if r.endpoint == "poll"]
    assert len(polls) == svc.poller.poll_requests == svc.poller.cycles
    assert polls[0].path.endswith("/tasks/batch")
    assert sorted(polls[0].json["task_ids"]) == sorted(t for j in jobs for t in j.task_ids)
    assert len(file_requests(sim)) == 50
    assert all(j.cost_actual is not None and j.currency == "USD" for j in jobs)
    client.close()


def test_icodeeasy_async_tasks_complete_into_the_gallery(sim, service):
    svc = service()
    sim.configure(task_duration=0.3)
    client = make_client(sim, "icodeeasy")
    job_id = svc.submit(client, ImageRequest(prompt="a harbour", size="16:9", resolution="1k", n=2, async_=True))
    job = svc.wait(job_id, timeout=30)
    assert job.status == "completed", job.error_message
    assert job.mode == "async" and len(job.task_ids) == 1
    assert sim.requests()[0].query.get("async") == "1"
    images = svc.store.list_images(job_id=job_id)
    assert len(images) == 2
    assert all(png_size(svc.store.image_bytes(i)) == (1536, 864) for i in images)
    assert job.cost_actual is not None and job.currency == "CNY"
    client.close()


def test_a_failed_task_reaches_failed_with_the_providers_reason(sim, service):
    svc = service()
    sim.configure(task_duration=0.2)
    sim.set_faults([{"kind": "task_fail", "provider": "gccai"}])
    job = svc.wait(svc.submit(make_client(sim, "gccai"), ImageRequest(prompt="x", size="1:1")), timeout=30)
    assert job.status == "failed"
    assert job.error_code == "task_failed"     # gccai sends fail_reason without a code of its own
    assert "failed" in job.error_message and job.task_ids[0] in job.error_message
    assert job.cost_actual == 0


def test_poll_errors_back_off_and_the_task_still_completes(sim, service):
    svc = service()
    sim.configure(task_duration=0.2)
    sim.set_faults([{"kind": "http_503", "endpoint": "poll", "provider": "gccai", "times": 3}])
    job = svc.wait(svc.submit(make_client(sim, "gccai"), ImageRequest(prompt="x", size="1:1")), timeout=30)
    assert job.status == "completed"
    assert [r.status for r in sim.requests() if r.endpoint == "poll"][:3] == [503, 503, 503]
    (task,) = svc.store.list_tasks(job.id)
    assert task.status == "completed" and task.last_error is None


def test_an_expired_result_link_fails_the_job_without_leaking_the_link(sim, service):
    svc = service()
    sim.configure(task_duration=0.1)
    sim.set_faults([{"kind": "result_404", "endpoint": "file", "provider": "gccai"}])
    job = svc.wait(svc.submit(make_client(sim, "gccai"), ImageRequest(prompt="x", size="1:1")), timeout=30)
    assert job.status == "failed"
    assert "expired" in job.error_message and "://" not in job.error_message
    assert not any(r.path in job.error_message for r in file_requests(sim))
    assert svc.store.list_images(job_id=job.id) == []


def test_a_stuck_task_times_out_and_can_still_be_checked_by_hand(sim, service):
    svc = service(poll_schedule=PollSchedule(0.05, 0.05, 0.1, 0.5))
    sim.configure(task_duration=0.2)
    sim.set_faults([{"kind": "task_stuck", "provider": "gccai", "times": 1}])
    client = make_client(sim, "gccai")
    job = svc.wait(svc.submit(client, ImageRequest(prompt="x", size="1:1")), timeout=30)
    assert job.status == "timed_out"
    assert "did not finish within" in job.error_message and "Check now" in job.error_message
    checked = svc.check_now(job.id)
    assert checked.status == "timed_out" and "still running" in checked.error_message
    client.close()


def test_check_now_collects_a_timed_out_task_that_finished_later(sim, service):
    svc = service(poll_schedule=PollSchedule(0.05, 0.05, 0.1, 0.3))
    sim.configure(task_duration=1.5)
    client = make_client(sim, "gccai")
    job = svc.wait(svc.submit(client, ImageRequest(prompt="late", size="1:1")), timeout=30)
    assert job.status == "timed_out"
    done = wait_for(lambda: (j := svc.check_now(job.id)).status == "completed" and j)
    assert svc.store.count_images(job_id=done.id) == 1 and done.error_message is None
    client.close()


def test_stopping_mid_download_and_restarting_loses_nothing_and_fetches_nothing_twice(sim, service):
    first = service()
    sim.configure(task_duration=0.2)
    # The first result download hangs for a second, so the stop lands while a download is in flight.
    sim.set_faults([{"kind": "slow", "endpoint": "file", "times": 1, "delay": 1.0}])
    client = make_client(sim, "gccai")
    ids = [first.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1")) for i in range(8)]
    wait_for(lambda: file_requests(sim))
    first.close()
    assert not first.poller.running

    second = service()
    second.register(client)
    jobs = [second.wait(i, timeout=30) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 8
    assert sum(second.store.count_images(job_id=i) for i in ids) == 8
    fetched = [r.path for r in file_requests(sim)]
    assert len(fetched) == len(set(fetched)) == 8
    client.close()


def test_a_task_without_its_key_waits_and_completes_after_register(sim, service):
    never = PollSchedule(first_delay_s=3600, interval_s=3600, max_interval_s=3600, deadline_s=7200)
    first = service(poll_schedule=never)
    sim.configure(task_duration=0.1)
    client = make_client(sim, "gccai")
    job_id = first.submit(client, ImageRequest(prompt="a key-less owl", size="1:1"))
    wait_for(lambda: first.get(job_id).status == "pending")
    first.close()

    second = service()                  # a new process: its key ring is empty
    job = wait_for(lambda: (j := second.get(job_id)).status == "waiting_for_key" and j)
    assert job.key_fingerprint in job.error_message
    second.register(client)
    job = second.wait(job_id, timeout=30)
    assert job.status == "completed" and job.error_message is None
    assert second.store.count_images(job_id=job_id) == 1
    client.close()


# --- restarts across processes -------------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sync_work_of_a_dead_process_is_marked_interrupted_with_the_billing_rule(service):
    store = Store()
    qcode = store.create_job(provider="qcode", status="running", owner_pid=_dead_pid())
    icode = store.create_job(provider="icodeeasy", status="queued", owner_pid=_dead_pid())
    mine = store.create_job(provider="qcode", status="running")            # this process: still running
    svc = service()
    job = svc.get(qcode)
    assert job.status == "interrupted" and job.cost_actual == 0
    assert job.error_message == ("Interrupted by a restart. QCode's doc: failed requests and client disconnects "
                                 "are not billed.")
    assert svc.get(icode).error_message == ("Interrupted by a restart. icodeeasy's doc: failed requests are "
                                            "not billed.")
    assert svc.get(mine).status == "running"


def test_a_task_submitted_by_another_process_is_resumed_here(sim, service, easel_data_dir):
    script = textwrap.dedent(f"""
        from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
        from easel.providers.client import ProviderClient
        from easel.jobs.job_service import JobService
        from easel.providers.request import ImageRequest
        svc = JobService(poll_schedule=PollSchedule(3600, 3600, 3600, 7200))
        client = ProviderClient(simulated_profile(get_profile("gccai"), {sim.url!r}), {KEY!r})
        job_id = svc.submit(client, ImageRequest(prompt="from the CLI", size="1:1"))
        svc.close()
        print(job_id)
    """)
    sim.configure(task_duration=0.1)
    env = dict(os.environ, EASEL_DATA_DIR=str(easel_data_dir))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    job_id = out.stdout.strip().splitlines()[-1]
    svc = service()
    svc.register(make_client(sim, "gccai"))
    job = svc.wait(job_id, timeout=30)
    assert job.status == "completed" and svc.store.count_images(job_id=job_id) == 1
