"""Streaming previews: time to the first preview against time to the final image, on the simulator.

    python benchmarks/streaming.py [--latency 4.0] [--runs 3] [--size 1024x1024]

The simulated Demo provider (OpenAI dialect, `stream: true`) with a generation that takes L seconds. Each run
goes through JobService as the pages do: submit, then watch the store as the page's fragment does, noting when
the first partial image is stored (what the page can first show) and when the job completes with its final
image. partial_images 1, 2 and 3 run interleaved, plus a plain (unstreamed) request, where the first thing
the user sees is the final image. Printed: medians per setting, and first ÷ final (the share of the wait the
user spends looking at nothing; 1.00 unstreamed).
"""

from __future__ import annotations

import argparse
import time

from _common import isolated_data_dir, median, simulator

KEY = "demo-bench-stream-key"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=4.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size", default="1024x1024")
    a = ap.parse_args()

    with isolated_data_dir(), simulator(latency=a.latency) as sim:
        from easel.jobs.job_service import JobService
        from easel.providers import catalog
        from easel.providers.client import ProviderClient
        from easel.providers.request import ImageRequest
        from easel.store import Store, partials

        profile = catalog.simulated_profile(catalog.get_profile("demo"), sim.url)
        service = JobService(Store())
        client = ProviderClient(profile, KEY)
        settings = [None, 1, 2, 3]                      # None: not streamed
        first: dict = {s: [] for s in settings}
        final: dict = {s: [] for s in settings}
        try:
            for run in range(a.runs):
                for setting in settings[run % len(settings):] + settings[:run % len(settings)]:
                    req = ImageRequest(prompt=f"bench stream {run} {setting}", size=a.size, quality="low",
                                       stream=setting is not None, partial_images=setting)
                    started = time.monotonic()
                    job_id = service.submit(client, req)
                    seen = None
                    while True:
                        job = service.store.get_job(job_id)
                        if seen is None and setting and partials.latest_partial(service.store, job_id):
                            seen = time.monotonic() - started
                        if job.is_terminal:
                            break
                        time.sleep(0.01)
                    done = time.monotonic() - started
                    assert job.status == "completed", (job.status, job.error_message)
                    first[setting].append(seen if seen is not None else done)
                    final[setting].append(done)
        finally:
            client.close()
            service.close()

    print(f"Simulator latency L = {a.latency:.1f} s, {a.size}, {a.runs} runs each, through JobService + store")
    print(f"{'partial_images':>16} | {'first preview':>13} | {'final image':>11} | first ÷ final")
    for s in settings:
        f, d = median(first[s]), median(final[s])
        label = "not streamed" if s is None else str(s)
        print(f"{label:>16} | {f:>11.2f} s | {d:>9.2f} s | {f / d:.2f}")


if __name__ == "__main__":
    main()
