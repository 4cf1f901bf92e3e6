"""More gccai tasks on one key than one batch poll may carry: the poller splits them into batches of at most
100 ids, and halves a batch the provider refuses as too large. Real JobService, real simulator over loopback."""

from __future__ import annotations

import time

import pytest

from easel.jobs.job_service import JobService
from easel.jobs.keyring import KeyRing
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

KEY = "sk-test-batches-0123456789"
PARKED = PollSchedule(first_delay_s=3600, interval_s=3600, max_interval_s=3600, deadline_s=7200)
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=120.0)


@pytest.fixture
def services(easel_data_dir):
    made: list[JobService] = []

    def make(schedule: PollSchedule, client: ProviderClient | None = None) -> JobService:
        # The key is on the ring before the service starts its poller: registered afterwards, the first cycle
        # could see only some tasks due and poll the last one alone, in another cycle.
        keyring = KeyRing()
        if client is not None:
            keyring.register(client)
        svc = JobService(Store(), keyring=keyring, poll_schedule=schedule)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


def wait_for(predicate, timeout: float = 60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def park_tasks(sim, services, count: int) -> tuple[ProviderClient, list[str]]:
    """Submit `count` one-image gccai jobs through a service that never polls, and wait until every task
    has finished on the simulator, so the next poller's first cycle finds all of them due and done."""
    sim.configure(task_duration=0.2)
    client = ProviderClient(simulated_profile(get_profile("gccai"), sim.url), KEY)
    submitter = services(PARKED)
    ids = [submitter.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1", resolution="1k", quality="low"))
           for i in range(count)]
    wait_for(lambda: submitter.store.count_jobs(status="pending") == count)
    submitter.close()
    time.sleep(0.3)      # past task_duration: every task is complete on the simulator
    return client, ids


def batch_polls(sim):
    return [(len(r.json["task_ids"]), r.status) for r in sim.requests("/gccai/v1/tasks") if r.endpoint == "poll"]


def test_150_tasks_complete_in_batches_of_at_most_100(sim, services):
    client, ids = park_tasks(sim, services, 150)
    svc = services(FAST, client)
    jobs = [svc.wait(i, timeout=60) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 150
    assert batch_polls(sim) == [(100, 200), (50, 200)]
    polled = [t for r in sim.requests("/gccai/v1/tasks/batch") for t in r.json["task_ids"]]
    assert sorted(polled) == sorted(t for j in jobs for t in j.task_ids)
    assert svc.poller.poll_requests == 2 and svc.poller.cycles == 1
    assert all(svc.store.count_images(job_id=i) == 1 for i in ids)
    client.close()


def test_a_batch_refused_as_too_large_is_halved_and_polling_goes_on(sim, services):
    client, ids = park_tasks(sim, services, 150)
    sim.configure(max_batch=40)
    svc = services(FAST, client)
    jobs = [svc.wait(i, timeout=60) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 150
    # 100 refused, 50 refused, then six batches of 25: the halved size is kept for the rest of the cycle.
    assert batch_polls(sim) == [(100, 400), (50, 400)] + [(25, 200)] * 6
    assert svc.poller.batch_limit(client.profile, client.key_fingerprint) == 25
    # The refusals were not poll errors: no task backed off or carries an error.
    assert all(t.poll_errors == 0 and t.last_error is None for i in ids for t in svc.store.list_tasks(i))
    client.close()


def test_the_simulator_refuses_a_batch_over_its_configured_limit(sim):
    import httpx

    # Through the control API, as `easel simulate` users would lower it.
    assert httpx.post(f"{sim.url}/_sim/config", json={"max_batch": 3}).json()["max_batch"] == 3
    r = httpx.post(f"{sim.url}/gccai/v1/tasks/batch", json={"task_ids": ["task_a", "task_b", "task_c", "task_d"]},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 400
    assert r.json()["message"] == "At most 3 task ids per batch."
    ok = httpx.post(f"{sim.url}/gccai/v1/tasks/batch", json={"task_ids": ["task_a", "task_b", "task_c"]},
                    headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200 and ok.json() == {"code": 200, "data": []}
