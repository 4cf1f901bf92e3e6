"""8 images through JobService with QCode's per-key concurrency cap of 2: wall ÷ 4L ≤ 1.15 (serial: 2.0).

    python benchmarks/bench_concurrency.py [--latency 1.0] [--repeats 3]

Eight one-image jobs go through `JobService.submit` exactly as the Generate page sends them, against the
simulated QCode profile (`concurrency = 2`). With two slots and a simulator latency L, the ideal wall time is
4 rounds × L. The figure is the median over repeats, printed as a ratio so a noisy machine does not matter
much; the simulator's own in-flight high-water mark shows the cap was never exceeded.
"""

from __future__ import annotations

import argparse
import time

from _common import finish, isolated_data_dir, median, simulator

TARGET = 1.15
JOBS = 8
KEY = "qcode-bench-test-key"


def one_round(sim, jobs, profile, latency: float) -> tuple[float, int, int, list[str]]:
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest

    sim.reset()
    # The simulator's own cap is lifted above QCode's 2: a third concurrent request must then show up as
    # max_in_flight = 3 instead of being hidden behind a 429 and a retry.
    sim.configure(latency=latency, concurrency_cap=JOBS, daily_cap=10_000)
    client = ProviderClient(profile, KEY)
    try:
        started = time.perf_counter()
        ids = [jobs.submit(client, ImageRequest(prompt=f"benchmark image {i}", size="1024x1024", quality="low"))
               for i in range(JOBS)]
        rows = [jobs.wait(i, timeout=60 + 4 * latency * JOBS) for i in ids]
        wall = time.perf_counter() - started
    finally:
        client.close()
    stats = sim.stats()
    refused = sum(1 for r in sim.requests("/images/generations") if r.status == 429)
    return wall, stats["max_in_flight"].get("qcode", 0), refused, [r.status for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=1.0, help="simulator latency L in seconds")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()

    with isolated_data_dir(), simulator() as sim:
        from easel.providers import catalog
        from easel.jobs.job_service import JobService
        from easel.store import Store
        from easel.core.config import data_dir

        profile = catalog.simulated_profile(catalog.BUILTIN["qcode"], sim.url)
        assert profile.concurrency == 2, profile.concurrency
        jobs = JobService(store=Store(data_dir() / "easel.db"), recover=False)
        try:
            one_round(sim, jobs, profile, 0.05)        # warm-up: imports, first connection, first SQLite write
            walls, peaks, refusals, bad = [], [], [], []
            for i in range(a.repeats):
                wall, peak, refused, statuses = one_round(sim, jobs, profile, a.latency)
                walls.append(wall)
                peaks.append(peak)
                refusals.append(refused)
                bad += [s for s in statuses if s != "completed"]
                print(f"  run {i + 1}: wall {wall:.2f} s, ratio {wall / (4 * a.latency):.3f}, "
                      f"max in flight {peak}, 429s {refused}")
        finally:
            jobs.close()

    wall = median(walls)
    ratio = wall / (4 * a.latency)
    peak = max(peaks)
    print(f"jobs {JOBS}, concurrency {profile.concurrency}, L {a.latency:.2f} s")
    print(f"wall (median of {a.repeats}) {wall:.2f} s; ideal 4L {4 * a.latency:.2f} s; serial 8L {8 * a.latency:.2f} s")
    print(f"wall / 4L = {ratio:.3f} (target ≤ {TARGET}; serial would be 2.0)")
    print(f"max in flight at the simulator: {peak} (must be 2); 429s: {sum(refusals)}; failed jobs: {len(bad)}")
    finish("bench_concurrency", ratio <= TARGET and peak == 2 and not bad and not any(refusals),
           f"ratio {ratio:.3f}, max in flight {peak}")


if __name__ == "__main__":
    main()
