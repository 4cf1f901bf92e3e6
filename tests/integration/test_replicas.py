"""Several app replicas on one PostgreSQL database (issue 19): leases, shared key slots, a killed replica.

Each replica is a JobService over its own Store (its own connections: its own PostgreSQL sessions), in this
process or, for `kill -9`, in a process of its own (tests/replica_worker.py). Real PostgreSQL server
(tests/pg_server.py), real simulator over loopback HTTP.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from easel.jobs.job_service import JobService
from easel.jobs.key_slots import KeySlots
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import Store

KEY = "sk-test-replicas-0123456789"
PARKED = PollSchedule(first_delay_s=3600, interval_s=3600, max_interval_s=3600, deadline_s=7200)
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=300.0)


@pytest.fixture
def pg_url(pg_server, monkeypatch):
    if isinstance(pg_server, Exception):
        pytest.skip(f"PostgreSQL could not start here: {pg_server}")
    url = pg_server.new_database()
    monkeypatch.setenv("EASEL_DATABASE_URL", url)
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def replicas(pg_url, easel_data_dir):
    made: list[JobService] = []

    def make(schedule: PollSchedule, **kw) -> JobService:
        svc = JobService(Store(), poll_schedule=schedule, **kw)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()
        svc.store.close()


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"{what} not reached")


def gccai(sim) -> ProviderClient:
    return ProviderClient(simulated_profile(get_profile("gccai"), sim.url), KEY)


def park_tasks(sim, replicas, count: int) -> list[str]:
    """`count` one-image gccai jobs submitted by a replica that never polls, all finished on the simulator."""
    sim.configure(task_duration=0.2)
    client = gccai(sim)
    submitter = replicas(PARKED, recover=False)
    ids = [submitter.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1", resolution="1k", quality="low"))
           for i in range(count)]
    wait_for(lambda: submitter.store.count_jobs(status="pending") == count, what="every task submitted")
    submitter.close()
    client.close()
    time.sleep(0.3)
    return ids


def polled_ids(sim) -> list[str]:
    """Every task id sent in a poll: a batch's ids, or a lone id's path."""
    out = []
    for r in sim.requests("/gccai/v1/tasks"):
        if r.endpoint == "poll":
            out += r.json["task_ids"] if isinstance(r.json, dict) else [r.path.rsplit("/", 1)[1]]
    return out


def downloads(sim) -> Counter:
    return Counter(r.path for r in sim.requests() if r.endpoint == "file")


def test_a_due_task_is_leased_by_one_replica_and_not_again_once_polled(pg_url, easel_data_dir):
    a, b = Store(), Store()
    job = a.create_job(provider="gccai", status="pending", mode="async")
    a.add_tasks(job, "gccai", [f"t{i}" for i in range(5)], first_poll_at=0, deadline_at=None)
    keys = [(job, f"t{i}") for i in range(5)]
    now = time.time()
    assert a.lease_tasks(keys, "A", 30, due_before=now) == set(keys)
    assert b.lease_tasks(keys, "B", 30, due_before=now) == set()          # held by A
    for _, t in keys[:3]:                                                 # A polled three: next poll later
        a.update_task(job, t, next_poll_at=now + 60)
    a.release_tasks(keys, "A")
    assert b.lease_tasks(keys, "B", 30, due_before=time.time()) == set(keys[3:])
    # A lease left by a dead replica expires and is taken over.
    b.query("UPDATE tasks SET lease_until = ? WHERE lease_owner = 'B'", (time.time() - 1,))
    assert a.lease_tasks(keys, "A", 30, due_before=time.time()) == set(keys[3:])
    a.close(), b.close()


def test_a_replica_leases_at_most_its_share_the_earliest_due_first(pg_url, easel_data_dir):
    a, b = Store(), Store()
    job = a.create_job(provider="gccai", status="pending", mode="async")
    a.add_tasks(job, "gccai", [f"t{i}" for i in range(5)], first_poll_at=0, deadline_at=None)
    for i, at in enumerate([5, 1, 4, 2, 3]):
        a.update_task(job, f"t{i}", next_poll_at=at)
    keys = [(job, f"t{i}") for i in range(5)]
    assert a.lease_tasks(keys, "A", 30, due_before=10, limit=2) == {(job, "t1"), (job, "t3")}
    assert b.lease_tasks(keys, "B", 30, due_before=10, limit=2) == {(job, "t4"), (job, "t2")}
    # What A holds already counts toward its limit; B's stay B's.
    assert a.lease_tasks(keys, "A", 30, due_before=10, limit=3) == {(job, "t1"), (job, "t3"), (job, "t0")}
    a.close(), b.close()


def test_a_replica_renews_only_the_leases_it_still_holds(pg_url, easel_data_dir):
    a, b = Store(), Store()
    job = a.create_job(provider="gccai", status="pending", mode="async")
    a.add_tasks(job, "gccai", ["t0", "t1"], first_poll_at=0, deadline_at=None)
    keys = [(job, "t0"), (job, "t1")]
    assert a.lease_tasks(keys, "A", 0.05, due_before=time.time()) == set(keys)
    time.sleep(0.1)                                                       # A's downloads ran past its lease
    assert b.lease_tasks(keys[1:], "B", 30, due_before=time.time()) == {keys[1]}
    assert a.renew_leases(keys, "A", 30) == 1                            # t0 stays A's; t1 is B's now
    assert dict(a.query("SELECT task_id, lease_owner FROM tasks")) == {"t0": "A", "t1": "B"}
    assert b.lease_tasks(keys[:1], "B", 30, due_before=time.time()) == set()
    a.close(), b.close()


def test_racing_replicas_take_each_task_exactly_once(pg_url, easel_data_dir):
    stores = [Store() for _ in range(4)]
    job = stores[0].create_job(provider="gccai", status="pending", mode="async")
    keys = [(job, f"t{i:03}") for i in range(200)]
    stores[0].add_tasks(job, "gccai", [t for _, t in keys], first_poll_at=0, deadline_at=None)
    got: dict[str, set] = {}
    start = threading.Barrier(4)

    def race(i: int) -> None:
        start.wait()
        got[f"R{i}"] = stores[i].lease_tasks(keys, f"R{i}", 30, due_before=time.time())

    threads = [threading.Thread(target=race, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    taken = [k for s in got.values() for k in s]
    assert sorted(taken) == sorted(keys)                     # every task once, none twice
    owners = dict(stores[0].query("SELECT task_id, lease_owner FROM tasks"))
    assert all(owners[t] == r for r, s in got.items() for _, t in s)
    [s.close() for s in stores]


def test_a_keys_slots_are_shared_by_every_replica(pg_url, easel_data_dir):
    a, b = Store(), Store()
    slots_a, slots_b = KeySlots(a, "qcode", "fp-1", 2), KeySlots(b, "qcode", "fp-1", 2)
    holders: list[tuple[threading.Thread, threading.Event]] = []

    def take(slots) -> bool:
        """A request in flight: a thread that holds a slot until told to let go (a slot is its connection's)."""
        got, done = threading.Event(), threading.Event()
        box = []

        def hold():
            box.append(slots.acquire(timeout=0.3))
            got.set()
            if box[0]:
                done.wait()
                slots.release()

        t = threading.Thread(target=hold)
        t.start()
        got.wait()
        if box[0]:
            holders.append((t, done))
        return box[0]

    def let_go(n: int) -> None:
        for t, done in [holders.pop(0) for _ in range(n)]:
            done.set()
            t.join()

    assert take(slots_a) and take(slots_a)
    assert take(slots_b) is False                            # both of the key's slots are held in replica A
    assert take(KeySlots(b, "qcode", "fp-2", 2))             # another key's slots are its own
    let_go(1)
    assert take(slots_b) and not take(slots_b)               # one slot came back, and only one
    let_go(3)
    a.close(), b.close()


def test_qcode_holds_two_in_flight_per_key_across_two_replicas(sim, replicas):
    # The simulator answers 429 concurrency_exhausted to a third request in flight on one key: with a slot count
    # per process, two replicas would send four at once.
    sim.configure(latency=0.4, concurrency_cap=2)
    one, two = replicas(FAST), replicas(FAST)
    clients = [ProviderClient(simulated_profile(get_profile("qcode"), sim.url), KEY) for _ in range(2)]
    ids = [svc.submit(c, ImageRequest(prompt=f"fox {i}")) for i in range(4) for svc, c in zip((one, two), clients)]
    jobs = [one.wait(i, timeout=60) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 8
    submits = [r for r in sim.requests() if r.endpoint == "submit"]
    assert len(submits) == 8 and all(r.status == 200 for r in submits)
    [c.close() for c in clients]


def test_two_replicas_poll_and_download_each_of_50_tasks_once(sim, replicas):
    ids = park_tasks(sim, replicas, 50)
    before_polls, before_files = len(polled_ids(sim)), sum(downloads(sim).values())
    one, two = replicas(FAST), replicas(FAST)        # recover(): the parked tasks are due at once
    for svc in (one, two):
        svc.register(gccai(sim))
        svc.poller.start()
        svc.poller.wake()
    jobs = [one.wait(i, timeout=90) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 50
    task_ids = sorted(t for j in jobs for t in j.task_ids)
    assert sorted(polled_ids(sim)[before_polls:]) == task_ids           # each task polled once, by one replica
    files = downloads(sim)
    assert sum(files.values()) - before_files == 50 and set(files.values()) == {1}   # each result fetched once
    assert all(one.store.count_images(job_id=i) == 1 for i in ids)


def pollers_counted(store: Store) -> int:
    """Pollers that count themselves among a key's pollers in this database (Store.join_pollers' locks)."""
    return store.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")[0][0]


def test_two_replicas_share_the_downloads_of_100_due_tasks_each_once(sim, replicas):
    # Leasing every due task at once, the first replica to lease would poll all 100 in one batch and download
    # every result alone while the other found nothing to do. Each takes its share (⌈due ÷ pollers⌉) instead.
    ids = park_tasks(sim, replicas, 100)
    before_polls, before_files = len(polled_ids(sim)), sum(downloads(sim).values())
    one, two = replicas(FAST, recover=False), replicas(FAST, recover=False)     # parked: nothing due yet
    for svc in (one, two):
        svc.register(gccai(sim))
        svc.poller.start()
    wait_for(lambda: pollers_counted(one.store) == 2, what="both replicas counted among the key's pollers")
    one.store.query("UPDATE tasks SET next_poll_at = 0")                       # all 100 due at once
    one.poller.wake(), two.poller.wake()
    jobs = [one.wait(i, timeout=120) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 100
    assert sorted(polled_ids(sim)[before_polls:]) == sorted(t for j in jobs for t in j.task_ids)   # each once
    files = downloads(sim)
    assert sum(files.values()) - before_files == 100 and set(files.values()) == {1}          # each fetched once
    shares = one.poller.downloads, two.poller.downloads
    # While both are counted neither leases more than half of what is due at its cycle, so the other always finds
    # some left (a quarter, had it come late twice). Leasing every due task at once, this reads (100, 0) or (0, 100).
    assert sum(shares) == 100 and min(shares) >= 10, shares
    assert all(one.store.count_images(job_id=i) == 1 for i in ids)


def test_a_stopped_poller_no_longer_counts_among_the_keys_pollers(sim, replicas):
    park_tasks(sim, replicas, 1)
    one, two = replicas(FAST, recover=False), replicas(FAST, recover=False)
    for svc in (one, two):
        svc.register(gccai(sim))
        svc.poller.start()
    wait_for(lambda: pollers_counted(one.store) == 2, what="both replicas counted")
    two.poller.stop()
    wait_for(lambda: pollers_counted(one.store) == 1, what="the stopped poller gone from the count")


def test_a_job_left_pending_by_a_replica_killed_after_its_last_task_ended_is_finished(sim, replicas):
    # kill -9 between storing a task's end and its job's leaves a pending job without an open task: no poller
    # would look at it again. What that leaves is made by hand here (a killed replica leaves it at random).
    [job_id] = park_tasks(sim, replicas, 1)
    done = replicas(FAST)
    done.register(gccai(sim))
    done.poller.start()
    finished = done.wait(job_id, timeout=60)
    assert finished.status == "completed"
    done.close()
    done.store.query("UPDATE jobs SET status = 'pending', finished_at = NULL, cost_actual = NULL WHERE id = ?",
                     (job_id,))
    done.store.query("UPDATE tasks SET updated_at = updated_at - 60")
    requests = len(sim.requests())
    survivor = replicas(FAST, recover=False)
    survivor.poller.start()
    job = survivor.wait(job_id, timeout=30)
    assert (job.status, job.cost_actual) == ("completed", finished.cost_actual)
    assert len(sim.requests()) == requests                 # nothing polled or fetched again: it was all stored
    assert survivor.store.count_images(job_id=job_id) == 1


def _start_worker(sim, pg_url: str, data_dir, lease_s: float, n: int) -> tuple[subprocess.Popen, str]:
    """A replica in a process of its own (tests/replica_worker.py): (the process, its lease owner name). Its stderr
    goes to worker-N.log in the data directory (SIGUSR1 writes its threads' stacks there)."""
    env = {**os.environ, "EASEL_DATABASE_URL": pg_url, "EASEL_DATA_DIR": str(data_dir)}
    with open(data_dir / f"worker-{n}.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tests.replica_worker", sim.url, KEY, str(lease_s)],
                                stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    return proc, proc.stdout.readline().strip()


def test_kill_9_of_a_replica_mid_run_loses_nothing_and_the_other_finishes(sim, replicas, pg_url, easel_data_dir):
    ids = park_tasks(sim, replicas, 50)
    store = Store()
    store.query("UPDATE tasks SET next_poll_at = 0")          # due now (the parked schedule said in an hour)
    workers = [_start_worker(sim, pg_url, easel_data_dir, lease_s=1.5, n=n) for n in range(2)]
    try:
        # Killed as soon as it has stored a first result: it still holds the leases of the rest of its batch.
        wait_for(lambda: store.count_images() >= 1, timeout=60, what="a first result stored")
        holders = {r[0] for r in store.query("SELECT DISTINCT lease_owner FROM tasks WHERE lease_owner IS NOT NULL")}
        victim, survivor = sorted(workers, key=lambda w: w[1] not in holders)
        victim[0].send_signal(signal.SIGKILL)
        victim[0].wait(10)
        held = {r[0] for r in store.query("SELECT task_id FROM tasks WHERE lease_owner = ?", (victim[1],))}
        assert held, "the killed replica was holding tasks"
        wait_for(lambda: store.count_jobs(status="completed") == 50, timeout=120, what="all 50 jobs completed")
        assert survivor[0].poll() is None                     # the other replica is still running
    finally:
        for proc, _ in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    jobs = [store.get_job(i) for i in ids]
    assert [j.status for j in jobs] == ["completed"] * 50
    assert all(store.count_images(job_id=i) == 1 for i in ids)            # nothing lost, nothing doubled
    # Each task polled once; only those the killed replica held when it died may have been polled again.
    polls = Counter(polled_ids(sim))
    assert set(polls) == {t for j in jobs for t in j.task_ids}
    assert all(n == 1 for t, n in polls.items() if t not in held) and all(n <= 2 for n in polls.values())
    # Each result fetched once, but for the one download the killed replica may have had under way.
    files = downloads(sim)
    assert len(files) == 50 and sum(n - 1 for n in files.values()) <= 1
    store.close()


def test_a_sync_job_is_interrupted_only_once_its_replica_is_gone_on_any_machine(pg_url, easel_data_dir):
    # A replica on another machine: pid 999_999 means nothing here, but its session holds that pid's lock.
    other = Store()
    assert other.try_advisory_lock("easel-replica:999999")
    writer = Store()
    job = writer.create_job(provider="qcode", status="running", owner_pid=999_999)
    JobService(Store()).close()                                  # a replica starting up: recover()
    assert writer.get_job(job).status == "running"               # its owner is alive elsewhere
    other.close()                                                # that replica is gone
    JobService(Store()).close()
    assert writer.get_job(job).status == "interrupted"
    writer.close()
