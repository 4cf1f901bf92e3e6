"""50 pending gccai tasks: HTTP requests to /v1/tasks per poller cycle = 1.

    python benchmarks/bench_poll_cycle.py [--interval 0.5] [--task-duration 15]

Phase 1 submits 50 one-image gccai jobs through a JobService whose profile does not poll for an hour, so all
50 tasks are pending at once. Phase 2 is a fresh JobService over the same store (as after a restart: it
resumes the pending tasks at once) whose profile polls every `--interval` seconds. The simulator counts
every request to /v1/tasks (single GETs and batch POSTs); the poller counts the cycles that sent a poll.
The figure is requests ÷ cycles, which must be exactly 1 however many tasks are pending.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from _common import finish, isolated_data_dir, simulator

TASKS = 50
KEY = "gccai-bench-test-key"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=0.5, help="poll interval in seconds")
    ap.add_argument("--task-duration", type=float, default=15.0,
                    help="simulated seconds from submit to completion (long enough for several cycles)")
    a = ap.parse_args()

    with isolated_data_dir(), simulator(task_duration=a.task_duration) as sim:
        from easel.providers import catalog
        from easel.providers.catalog import PollSchedule
        from easel.providers.client import ProviderClient
        from easel.core.config import data_dir
        from easel.jobs.job_service import JobService
        from easel.providers.request import ImageRequest
        from easel.store import Store

        base = catalog.simulated_profile(catalog.BUILTIN["gccai"], sim.url)
        parked = replace(base, poll=PollSchedule(first_delay_s=3600, interval_s=3600, max_interval_s=3600,
                                                 deadline_s=7200))
        fast = replace(base, poll=PollSchedule(first_delay_s=0.0, interval_s=a.interval, max_interval_s=a.interval,
                                               deadline_s=120.0))
        db = data_dir() / "easel.db"

        t0 = time.perf_counter()
        submitter = JobService(store=Store(db), recover=False)
        client = ProviderClient(parked, KEY)
        ids = [submitter.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1", resolution="1k", quality="low"))
               for i in range(TASKS)]
        deadline = time.monotonic() + 120
        while submitter.store.count_jobs(status="pending") < TASKS and time.monotonic() < deadline:
            time.sleep(0.05)
        submitter.close()
        client.close()
        pending = submitter.store.count_jobs(status="pending")
        polls_before = len(sim.requests("/v1/tasks"))
        print(f"phase 1: {pending} gccai tasks pending after {time.perf_counter() - t0:.1f} s "
              f"(poll requests so far: {polls_before})")

        poller_client = ProviderClient(fast, KEY)
        service = JobService(store=Store(db))          # recover(): resumes the pending tasks, due at once
        service.register(poller_client)
        t1 = time.perf_counter()
        rows = [service.wait(i, timeout=a.task_duration + 60) for i in ids]
        elapsed = time.perf_counter() - t1
        service.close()
        poller_client.close()

        polls = sim.requests("/v1/tasks")[polls_before:]
        batch_sizes = [len((r.json or {}).get("task_ids", [])) if r.path.endswith("/batch") else 1 for r in polls]
        files = len(sim.requests("/f/image/"))
        cycles = service.poller.cycles

    completed = sum(r.status == "completed" for r in rows)
    ratio = len(polls) / cycles if cycles else float("inf")
    print(f"phase 2: {completed}/{TASKS} completed in {elapsed:.1f} s; {files} result files fetched")
    print(f"poller cycles {cycles}, poll requests at the simulator {len(polls)} "
          f"(poller's own count {service.poller.poll_requests})")
    print(f"task ids per request: first {batch_sizes[:1]}, max {max(batch_sizes, default=0)}, "
          f"all {batch_sizes}")
    print(f"requests per poll cycle = {ratio:.3f} (target = 1)")
    ok = pending == TASKS and completed == TASKS and cycles >= 2 and len(polls) == cycles and batch_sizes[0] == TASKS
    finish("bench_poll_cycle", ok, f"{len(polls)} requests / {cycles} cycles")


if __name__ == "__main__":
    main()
