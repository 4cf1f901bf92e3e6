"""Issue 15: the thumbnails every page shows (384 px results, the Gallery's 288 px tiles and the Usage request
table's 64 px) are made
when a job's results are stored, by JobService (sync) and by the poller (async), not on a page's first view."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from easel.jobs.job_service import JobService
from easel.media import thumbnails
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=10.0)


def _until(predicate, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("provider, size", [("demo", "1536x1024"), ("gccai", "16:9")])
def test_both_thumbnail_sizes_exist_once_a_job_completes(sim, easel_data_dir, provider, size, monkeypatch):
    svc = JobService(Store(), poll_schedule=FAST)
    client = ProviderClient(simulated_profile(get_profile(provider), sim.url), "sk-test-thumbs-0123456789")
    made = []
    original = thumbnails.thumbnail_path
    monkeypatch.setattr(thumbnails, "thumbnail_path",
                        lambda store, row, max_side=384: made.append(max_side) or original(store, row, max_side))
    try:
        job = svc.submit(client, ImageRequest(prompt="a lighthouse", size=size, quality="low"))
        assert svc.wait(job, timeout=30).status == "completed"
        [row] = svc.store.list_images(job_id=job)
        thumbs = easel_data_dir / "thumbs"
        files = {side: thumbs / f"{row.sha256}-{side}.jpg" for side in (384, 288, 64)}
        # Made by the job's own worker right after its status (the condition is what is asserted, not a time).
        assert _until(lambda: all(p.is_file() for p in files.values()))
        sizes = {side: Image.open(io.BytesIO(p.read_bytes())).size for side, p in files.items()}
        assert max(sizes[384]) == 384 and max(sizes[288]) == 288 and max(sizes[64]) == 64
        assert sizes[64][0] > sizes[64][1]                        # a landscape result stays landscape
        assert made == [384, 288, 64]                             # the small ones from the big one, made once
    finally:
        client.close()
        svc.close()
