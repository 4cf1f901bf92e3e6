"""One generation at simulator latency L = 2 s: Easel's added overhead over a bare httpx call ≤ 5 %.

    python benchmarks/bench_overhead.py [--latency 2.0] [--runs 7]

Three ways to get the same 1024² image from the simulated Demo provider (OpenAI dialect, b64_json), run
interleaved in rotating order so drift on a shared machine hits all three alike:
  bare     one long-lived httpx.Client: POST, parse JSON, base64-decode (the strictest baseline: a warm
           connection and no per-call setup)
  client   ProviderClient.generate: validation, retry plumbing, decode, image check
  service  JobService.submit + wait, as the pages do: the usage-log row, the worker thread, the per-key
           semaphore, a fresh client, storing the image file and row, pricing
The figure is median(service) ÷ median(bare) − 1; median(client) is printed beside it.
"""

from __future__ import annotations

import argparse
import base64
import time

from _common import finish, isolated_data_dir, median, simulator

TARGET = 0.05
KEY = "demo-bench-test-key"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=2.0)
    ap.add_argument("--runs", type=int, default=7, help="runs of each kind (≥ 5)")
    a = ap.parse_args()

    with isolated_data_dir(), simulator(latency=a.latency) as sim:
        import httpx

        from easel.providers import catalog
        from easel.providers.client import ProviderClient
        from easel.core.config import data_dir
        from easel.jobs.job_service import JobService
        from easel.providers.request import ImageRequest
        from easel.store import Store

        profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
        jobs = JobService(store=Store(data_dir() / "easel.db"), recover=False)
        session_client = ProviderClient(profile, KEY)      # the page's client: JobService builds its own per job
        bare_http = httpx.Client(timeout=60)
        url = profile.base_url + "/images/generations"
        seq = [0]

        def body() -> dict:
            seq[0] += 1
            # A different prompt each time, so no run can reuse another's rendering.
            return {"model": "gpt-image-2", "prompt": f"overhead probe {seq[0]}", "n": 1, "size": "1024x1024",
                    "quality": "low"}

        def bare() -> float:
            t = time.perf_counter()
            r = bare_http.post(url, json=body(), headers={"Authorization": f"Bearer {KEY}"})
            r.raise_for_status()
            data = [base64.b64decode(d["b64_json"]) for d in r.json()["data"]]
            assert data and data[0][:4] == b"\x89PNG"
            return time.perf_counter() - t

        def client() -> float:
            b = body()
            t = time.perf_counter()
            out = session_client.generate(ImageRequest(prompt=b["prompt"], size=b["size"], quality=b["quality"]))
            assert len(out.images) == 1
            return time.perf_counter() - t

        def service() -> float:
            b = body()
            t = time.perf_counter()
            job_id = jobs.submit(session_client, ImageRequest(prompt=b["prompt"], size=b["size"], quality=b["quality"]))
            row = jobs.wait(job_id, timeout=60)
            elapsed = time.perf_counter() - t
            assert row.status == "completed", row.error_message
            return elapsed

        kinds = {"bare": bare, "client": client, "service": service}
        try:
            sim.configure(latency=0.05)
            for fn in kinds.values():       # warm-up: imports, connections, the store's first writes
                fn()
            sim.configure(latency=a.latency)
            times: dict[str, list[float]] = {k: [] for k in kinds}
            order = list(kinds)
            for i in range(max(5, a.runs)):
                for k in order[i % 3:] + order[:i % 3]:
                    times[k].append(kinds[k]())
                print("  run {}: ".format(i + 1) + ", ".join(f"{k} {times[k][-1]:.3f} s" for k in kinds))
        finally:
            bare_http.close()
            session_client.close()
            jobs.close()

    med = {k: median(v) for k, v in times.items()}
    over_service = med["service"] / med["bare"] - 1
    over_client = med["client"] / med["bare"] - 1
    print(f"L {a.latency:.2f} s, {len(times['bare'])} runs each, interleaved")
    print(f"median bare httpx {med['bare']:.3f} s; ProviderClient.generate {med['client']:.3f} s; "
          f"JobService submit→completed {med['service']:.3f} s")
    print(f"overhead: ProviderClient {over_client:+.1%} ({med['client'] - med['bare']:+.3f} s), "
          f"JobService {over_service:+.1%} ({med['service'] - med['bare']:+.3f} s); target ≤ {TARGET:.0%}")
    finish("bench_overhead", over_service <= TARGET and over_client <= TARGET,
           f"JobService {over_service:+.1%}, ProviderClient {over_client:+.1%}")


if __name__ == "__main__":
    main()
