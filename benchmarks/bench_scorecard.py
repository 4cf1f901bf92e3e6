"""The Demo's full scorecard suite through JobService: its probes run side by side, wall ÷ ⌈P/c⌉·L ≤ 1.3.

    python benchmarks/bench_scorecard.py [--latency 0.5] [--repeats 3]

`scorecard.run` submits every probe at once; the JobService runs them with the Demo's per-key concurrency c = 4.
With a simulator latency L and P probes that take it (the invalid-size probe is refused before any latency),
the ideal wall time is ⌈P/c⌉ rounds × L; serial would be P × L. The figure is the median over repeats, printed as
a ratio so a noisy machine matters little; it includes judging (decoding every returned image) and storing.
"""

from __future__ import annotations

import argparse
import math
import time

from _common import finish, isolated_data_dir, median, simulator

TARGET = 1.3


def one_round(sim, jobs, profile, latency: float) -> tuple[float, int, dict]:
    from easel import scorecard
    from easel.providers.client import ProviderClient

    sim.reset()
    sim.configure(latency=latency)
    client = ProviderClient(profile, "demo-test-key")
    try:
        plan = scorecard.prepare(profile)
        started = time.perf_counter()
        card = scorecard.run(jobs, client, plan)
        wall = time.perf_counter() - started
    finally:
        client.close()
    return wall, sum(p.check for p in plan.probes), card.counts()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.5, help="simulator latency L in seconds")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()

    with isolated_data_dir(), simulator() as sim:
        from easel.core.config import data_dir
        from easel.jobs.job_service import JobService
        from easel.providers import demo_modes
        from easel.store import Store

        profile = demo_modes.demo_profile("demo", sim.url)
        jobs = JobService(store=Store(data_dir() / "easel.db"), recover=False)
        try:
            one_round(sim, jobs, profile, 0.0)          # warm-up: imports, the edit probes' source image, SQLite
            walls, counts = [], []
            for i in range(a.repeats):
                wall, timed, verdicts = one_round(sim, jobs, profile, a.latency)
                walls.append(wall)
                counts.append(verdicts)
                ideal = math.ceil(timed / profile.concurrency) * a.latency
                print(f"  run {i + 1}: wall {wall:.2f} s, ratio {wall / ideal:.3f}, verdicts {verdicts}")
        finally:
            jobs.close()

    wall = median(walls)
    ideal = math.ceil(timed / profile.concurrency) * a.latency
    ratio = wall / ideal
    print(f"probes taking L: {timed}, concurrency {profile.concurrency}, L {a.latency:.2f} s")
    print(f"wall (median of {a.repeats}) {wall:.2f} s; ideal ⌈P/c⌉·L {ideal:.2f} s; serial P·L {timed * a.latency:.2f} s")
    print(f"wall / ideal = {ratio:.3f} (target ≤ {TARGET}; serial would be {timed * a.latency / ideal:.2f})")
    all_pass = all(c == {"pass": 8, "fail": 0, "n/a": 2} for c in counts)
    finish("bench_scorecard", ratio <= TARGET and all_pass, f"ratio {ratio:.3f}, verdicts {counts[-1]}")


if __name__ == "__main__":
    main()
