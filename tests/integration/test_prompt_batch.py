"""A template batch over loopback HTTP to the simulator: 2 × 3 values make exactly 6 ordinary jobs through
JobService, with the 6 expanded prompts on the wire, run at most 2 at a time for QCode, and a batch that would
break QCode's daily cap of 100 is refused before anything is sent."""

from __future__ import annotations

import pytest

from easel.core.config import key_fingerprint
from easel.core.errors import ValidationError
from easel.jobs.job_service import JobService
from easel.prompts import batch
from easel.prompts.templates import expand
from easel.providers.catalog import get_profile, simulated_profile
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

KEY = "sk-test-prompt-batch-0123"
EXPECTED = ["a fox in ink style", "a fox in clay style", "a fox in pixel style",
            "a owl in ink style", "a owl in clay style", "a owl in pixel style"]


@pytest.fixture
def svc(easel_data_dir):
    s = JobService(Store(), recover=False)
    yield s
    s.close(wait=True)


def test_template_2_by_3_makes_6_jobs_with_the_exact_prompts(svc, sim):
    sim.configure(latency=0.3)          # long enough that the queue, not luck, keeps QCode at 2 in flight
    profile = simulated_profile(get_profile("qcode"), sim.url)
    client = ProviderClient(profile, KEY)
    prompts = expand("a {animal} in {style} style", {"animal": "fox\nowl", "style": "ink | clay | pixel"})
    assert prompts == EXPECTED
    base = ImageRequest(prompt=prompts[0], size="1024x1024", quality="low")
    plan = batch.plan_batch(profile, base, prompts, store=svc.store, api_key=KEY)
    assert plan.count == 6 and plan.quota_problem is None
    assert [m.amount for m in plan.estimates] == [0.08] * 6          # qcode.txt: low sits on the USD 0.08 floor
    assert plan.total().amount == pytest.approx(0.48, abs=1e-12) and plan.total().currency == "USD"
    assert plan.queue_note == "QCode runs at most 2 at once per key; the other 4 wait in the queue."
    assert sim.requests("/qcode/") == []                             # planning sends nothing

    ids = batch.submit_batch(svc, client, plan, session_id="s1")
    assert len(ids) == 6
    rows = [svc.wait(i, timeout=30) for i in ids]
    assert [r.status for r in rows] == ["completed"] * 6
    assert [r.prompt for r in rows] == EXPECTED
    sent = [r.json["prompt"] for r in sim.requests("/qcode/") if r.method == "POST"]
    assert sorted(sent) == sorted(EXPECTED) and len(sent) == 6
    assert sim.stats()["max_in_flight"]["qcode"] == 2
    client.close()


def test_a_batch_over_the_daily_cap_is_refused_whole(svc, sim):
    profile = simulated_profile(get_profile("qcode"), sim.url)
    for _ in range(97):
        svc.store.create_job(provider="qcode", status="completed", n=1, key_fingerprint=key_fingerprint(KEY),
                             prompt="earlier", simulated=True)
    prompts = expand("a {animal}", {"animal": "fox|owl|cat|dog"})
    plan = batch.plan_batch(profile, ImageRequest(prompt="x", size="1024x1024", quality="low"), prompts,
                            store=svc.store, api_key=KEY)
    assert plan.quota_problem == ("4 images would break QCode's daily cap of 100 per key: 97 used "
                                  "today and 0 in flight (resets 00:00 Beijing).")
    client = ProviderClient(profile, KEY)
    with pytest.raises(ValidationError) as e:
        batch.submit_batch(svc, client, plan)
    assert e.value.code == "daily_cap"
    assert sim.requests("/qcode/") == [] and svc.store.count_jobs(status="queued") == 0
    client.close()
