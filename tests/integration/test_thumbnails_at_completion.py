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


def _stored(store, key: str) -> bytes | None:
    try:
        return store.blobs.read(key)
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("provider, size", [("demo", "1536x1024"), ("gccai", "16:9")])
def test_both_thumbnail_sizes_exist_once_a_job_completes(sim, easel_data_dir, object_backend, provider, size,
                                                         monkeypatch):
    svc = JobService(Store(), poll_schedule=FAST)
    client = ProviderClient(simulated_profile(get_profile(provider), sim.url), "sk-test-thumbs-0123456789")
    made = []
    original = thumbnails.thumbnail
    monkeypatch.setattr(thumbnails, "thumbnail",
                        lambda store, row, max_side=384: made.append(max_side) or original(store, row, max_side))
    try:
        job = svc.submit(client, ImageRequest(prompt="a lighthouse", size=size, quality="low"))
        assert svc.wait(job, timeout=30).status == "completed"
        [row] = svc.store.list_images(job_id=job)
        # In the object store (the data directory's thumbs/ folder, or S3), read back through a fresh Store so
        # nothing comes from this process's cache.
        keys = {side: f"thumbs/{row.sha256}-{side}.jpg" for side in (384, 288, 64)}
        # Made by the job's own worker right after its status (the condition is what is asserted, not a time).
        assert _until(lambda: all(_stored(svc.store, k) is not None for k in keys.values()))
        fresh = Store()
        sizes = {side: Image.open(io.BytesIO(_stored(fresh, k))).size for side, k in keys.items()}
        fresh.close()
        if object_backend == "local":
            assert sorted(p.name for p in (easel_data_dir / "thumbs").iterdir()) == sorted(
                k.split("/")[1] for k in keys.values())
        assert max(sizes[384]) == 384 and max(sizes[288]) == 288 and max(sizes[64]) == 64
        assert sizes[64][0] > sizes[64][1]                        # a landscape result stays landscape
        assert made == [384, 288, 64]                             # the small ones from the big one, made once
    finally:
        client.close()
        svc.close()
