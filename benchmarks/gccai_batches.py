"""1,000 pending gccai tasks on one key: requests per poller cycle = ⌈pending ÷ 100⌉, and every task completes.

    python benchmarks/gccai_batches.py [--tasks 1000] [--task-duration 20] [--interval 1] [--max-batch 100]

Phase 1 submits the tasks through a JobService whose profile does not poll for an hour, so all are pending
at once; then the simulator's tasks are set to finish `--task-duration` seconds later. Phase 2 is a fresh
JobService over the same store (as after a restart) polling every `--interval` seconds. The simulator records every batch request; a cycle is read off the record as a run of requests
whose task ids do not repeat (each cycle polls every open task once). With `--max-batch` below 100 the
simulator refuses larger batches with a 400, and the poller halves until its batches fit.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace

from _common import finish, isolated_data_dir, simulator

KEY = "gccai-bench-batches-key"


def cycles_of(requests) -> list[list[tuple[int, int]]]:
    """Split the batch requests into cycles: a new cycle starts when a task id comes round again."""
    cycles: list[list[tuple[int, int]]] = []
    seen: set[str] = set()
    for r in requests:
        ids = (r.json or {}).get("task_ids") or [r.path.rsplit("/", 1)[-1]]
        if not cycles or seen & set(ids):
            cycles.append([])
            seen = set()
        cycles[-1].append((len(ids), r.status))
        if r.status == 200:                  # a refused batch polled nothing: its ids come again this cycle
            seen |= set(ids)
    return cycles


def runs(cycle: list[tuple[int, int]]) -> str:
    """[(100, 400), (25, 200), (25, 200)] → '1 × 100 ids → HTTP 400, 2 × 25 ids → HTTP 200'."""
    out: list[list] = []
    for item in cycle:
        if out and out[-1][1] == item:
            out[-1][0] += 1
        else:
            out.append([1, item])
    return ", ".join(f"{n} × {ids} ids → HTTP {status}" for n, (ids, status) in out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--task-duration", type=float, default=20.0,
                    help="simulated seconds from submit to completion (long enough for several full cycles)")
    ap.add_argument("--interval", type=float, default=1.0, help="poll interval in seconds")
    ap.add_argument("--max-batch", type=int, default=100, help="ids the simulator accepts in one batch")
    a = ap.parse_args()

    # Submitting 1,000 tasks takes minutes here, so they are submitted with an hour to run, and re-armed to
    # finish `--task-duration` seconds after polling starts: every cycle before then polls all of them.
    with isolated_data_dir(), simulator(task_duration=3600, max_batch=a.max_batch,
                                        max_recorded=100_000, max_files=a.tasks + 100,
                                        max_file_bytes=8 * 2**30) as sim:
        from easel.core.config import data_dir
        from easel.jobs.job_service import JobService
        from easel.providers import catalog
        from easel.providers.catalog import PollSchedule
        from easel.providers.client import ProviderClient
        from easel.providers.request import ImageRequest
        from easel.store import Store

        base = catalog.simulated_profile(catalog.BUILTIN["gccai"], sim.url)
        parked = replace(base, poll=PollSchedule(first_delay_s=3600, interval_s=3600, max_interval_s=3600,
                                                 deadline_s=7200))
        fast = replace(base, poll=PollSchedule(first_delay_s=0.0, interval_s=a.interval, max_interval_s=a.interval,
                                               deadline_s=a.task_duration * 20 + 600))
        db = data_dir() / "easel.db"

        t0 = time.perf_counter()
        submitter = JobService(store=Store(db), recover=False)
        client = ProviderClient(parked, KEY)
        ids = [submitter.submit(client, ImageRequest(prompt=f"tile {i}", size="1:1", resolution="1k", quality="low"))
               for i in range(a.tasks)]
        deadline = time.monotonic() + 1800
        while submitter.store.count_jobs(status="pending") < a.tasks and time.monotonic() < deadline:
            time.sleep(0.2)
        submitter.close()
        client.close()
        pending = submitter.store.count_jobs(status="pending")
        print(f"phase 1: {pending:,} gccai tasks pending after {time.perf_counter() - t0:.0f} s", flush=True)
        with sim.state.lock:
            for task in sim.state.tasks.values():
                task.created, task.duration = time.time(), a.task_duration
        polls_before = len(sim.requests("/v1/tasks"))

        t1 = time.perf_counter()
        service = JobService(store=Store(db))
        service.register(ProviderClient(fast, KEY))
        deadline = time.monotonic() + a.task_duration * 20 + 600
        while service.store.count_jobs(status="completed") < a.tasks and time.monotonic() < deadline:
            if service.store.count_jobs(status="failed") or service.store.count_jobs(status="timed_out"):
                break
            time.sleep(0.2)
        completed = service.store.count_jobs(status="completed")
        service.close()
        polls = [r for r in sim.requests("/v1/tasks")[polls_before:] if r.endpoint == "poll"]
        cycles = cycles_of(polls)
        full = [c for c in cycles if sum(n for n, s in c if s == 200) == a.tasks]
        batch = 100                          # POLL_BATCH_LIMIT, halved (integer) until the simulator takes it
        while batch > a.max_batch:
            batch //= 2
        want = math.ceil(a.tasks / batch)

        print(f"phase 2: {completed:,} of {a.tasks:,} completed in {time.perf_counter() - t1:.0f} s, "
              f"{len(polls)} poll requests in {len(cycles)} cycles (poller counted {service.poller.cycles})")
        for i, c in enumerate(cycles):
            if i < 2 or i == len(cycles) - 1:
                print(f"  cycle {i + 1}: {runs(c)}")
        per_cycle = sorted({sum(1 for _, s in c if s == 200) for c in full})
        print(f"cycles polling all {a.tasks:,} tasks: {len(full)}; successful requests per such cycle: {per_cycle} "
              f"(⌈{a.tasks} ÷ {batch}⌉ = {want})")
        refused = sum(1 for p in polls if p.status != 200)
        ok = completed == a.tasks and len(full) >= 2 and per_cycle == [want]
        finish(f"{a.tasks:,} pending gccai tasks", ok,
               f"{completed}/{a.tasks} completed, {per_cycle} requests per full cycle, {refused} batches refused")


if __name__ == "__main__":
    main()
