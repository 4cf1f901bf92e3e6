"""100 async gccai jobs through 1 replica, then through 2 replicas sharing one PostgreSQL: wall-time ratio.

    python benchmarks/bench_replicas.py [--jobs 100] [--repeats 3] [--task-duration 0.5]

Each replica is a process of its own running a JobService on EASEL_DATABASE_URL (a real PostgreSQL server the
script starts, as the tests do: tests/pg_server.py) against the simulated gccai at loopback. With one replica it
submits all the jobs; with two, each submits half (two app servers, each with its own users). Every replica's
poller leases its share of the key's due tasks (⌈due ÷ the key's pollers⌉) and polls and downloads those, so the
two share the polling and the downloads of each other's jobs. The clock runs from the moment every replica is
ready (imports and connections done) until the database holds every job completed; the figure is the median over
repeats, printed as a ratio (2 replicas ÷ 1). The simulator's log then shows each task was polled and each result
fetched once across the replicas; each replica reports how many results it fetched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter

from _common import ROOT, isolated_data_dir, median, simulator

KEY = "sk-bench-replicas-0123456789"


def worker(sim_url: str, count: int, total: int, offset: int) -> None:
    from easel.jobs.job_service import JobService
    from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest
    from easel.store import Store

    fast = PollSchedule(first_delay_s=0.1, interval_s=0.1, max_interval_s=0.2, deadline_s=600.0)
    svc = JobService(Store(), poll_schedule=fast, recover=False)
    client = ProviderClient(simulated_profile(get_profile("gccai"), sim_url), KEY)
    svc.register(client)
    svc.poller.start()
    print("ready", flush=True)
    sys.stdin.readline()                                  # "go": every replica starts at once
    for i in range(count):
        svc.submit(client, ImageRequest(prompt=f"tile {offset + i}", size="1:1", resolution="1k", quality="low"))
    while svc.store.count_jobs(status="completed") < total:   # keep polling for the other replica's jobs too
        time.sleep(0.05)
    print(f"downloads {svc.poller.downloads}", flush=True)
    svc.close()


def one_run(sim, url: str, data_dir, replicas: int, jobs: int) -> float:
    from easel.store import Store

    sim.reset()
    sim.configure(task_duration=ARGS.task_duration, max_recorded=100_000, max_files=jobs + 100)
    env = {**os.environ, "EASEL_DATABASE_URL": url, "EASEL_DATA_DIR": str(data_dir),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    shares = [jobs // replicas + (1 if i < jobs % replicas else 0) for i in range(replicas)]
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", sim.url, str(n), str(jobs), str(i * jobs)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for i, n in enumerate(shares)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    store = Store(database_url=url)
    started = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    while store.count_jobs(status="completed") < jobs:
        if any(p.poll() not in (None, 0) for p in procs) or store.count_jobs(status="failed"):
            raise SystemExit("a replica failed")
        time.sleep(0.01)
    wall = time.perf_counter() - started
    shares = [p.stdout.readline().split()[-1] for p in procs]     # results each replica fetched
    for p in procs:
        p.wait(60)
    polls = Counter()
    for r in sim.requests("/gccai/v1/tasks"):
        if r.endpoint == "poll":
            polls.update(r.json["task_ids"] if isinstance(r.json, dict) else [r.path.rsplit("/", 1)[1]])
    files = Counter(r.path for r in sim.requests() if r.endpoint == "file")
    store.close()
    print(f"  {replicas} replica(s): {wall:.2f} s; {len(files)} results fetched ({' + '.join(shares)}), the most often "
          f"{max(files.values())}×; {sum(polls.values())} task polls for {len(polls)} tasks", flush=True)
    return wall


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.pg_server import PgServer

    server = PgServer().start()
    try:
        with isolated_data_dir() as data, simulator() as sim:
            walls: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(ARGS.repeats):
                for replicas in (1, 2):
                    url = server.new_database()
                    walls[replicas].append(one_run(sim, url, data, replicas, ARGS.jobs))
                    server.drop_database(url)
            one, two = median(walls[1]), median(walls[2])
            print(f"{ARGS.jobs} jobs: 1 replica {one:.2f} s, 2 replicas {two:.2f} s (medians of {ARGS.repeats}); "
                  f"2 ÷ 1 = ×{two / one:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        ap.add_argument("--jobs", type=int, default=100)
        ap.add_argument("--repeats", type=int, default=3)
        ap.add_argument("--task-duration", type=float, default=0.5, help="simulated seconds from submit to done")
        ARGS = ap.parse_args()
        main()
