"""Streaming previews over loopback HTTP: the simulator's event stream, the client, streamed jobs in a real
SQLite store, a broken stream, and the official `openai` package reading the simulator's stream."""

from __future__ import annotations

import base64
import io
import time

import httpx
import pytest
from PIL import Image

from easel.core.models import Usage
from easel.jobs.job_service import JobService
from easel.providers.catalog import PollSchedule, get_profile, simulated_profile
from easel.providers.client import ProviderClient, StreamInterrupted
from easel.providers.dialects.sse import iter_image_events
from easel.providers.request import ImageInput, ImageRequest
from easel.simulator import openai_api
from easel.store import Store, partials

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

KEY = "sk-test-stream-0123456789"
FAST = PollSchedule(first_delay_s=0.05, interval_s=0.05, max_interval_s=0.1, deadline_s=5.0)


def make_client(sim, provider: str = "demo") -> ProviderClient:
    return ProviderClient(simulated_profile(get_profile(provider), sim.url), KEY, max_retries=0)


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as img:
        return img.size


def wait_for(predicate, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached")


@pytest.fixture
def service(easel_data_dir):
    svc = JobService(Store(), poll_schedule=FAST)
    yield svc
    svc.close()


def test_simulator_streams_partials_then_the_final_image_as_text_event_stream(sim):
    body = {"model": "gpt-image-2", "prompt": "a fox", "size": "1536x1024", "quality": "low", "stream": True,
            "partial_images": 3}
    response = httpx.post(sim.url + "/openai/v1/images/generations", json=body,
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content.startswith(b"event: image_generation.partial_image\ndata: {\"type\":"
                                       b"\"image_generation.partial_image\",\"b64_json\":\"")
    events = list(iter_image_events([response.content]))
    assert [(e.type, e.partial_index) for e in events] == [
        ("image_generation.partial_image", 0), ("image_generation.partial_image", 1),
        ("image_generation.partial_image", 2), ("image_generation.completed", None)]
    assert {e.size for e in events} == {"1536x1024"} and {e.quality for e in events} == {"low"}
    assert all(size_of(base64.b64decode(e.b64)) == (1536, 1024) for e in events)
    expected = openai_api.usage("a fox", [], (1536, 1024), "low", 1)
    assert events[-1].usage == Usage(text_tokens=expected["input_tokens_details"]["text_tokens"], image_tokens=0,
                                     output_tokens=expected["output_tokens"])


def test_qcode_simulator_answers_the_full_result_at_once_as_its_doc_says(sim):
    body = {"model": "gpt-image-2", "prompt": "a fox", "size": "1024x1024", "quality": "low", "stream": True}
    response = httpx.post(sim.url + "/qcode/qcode-img/v1/images/generations", json=body,
                          headers={"Authorization": "Bearer cr_test"})
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["data"]) == 1


def test_client_edit_stream_sends_stream_fields_and_gets_partials_before_the_final(sim):
    source = io.BytesIO()
    Image.new("RGB", (1024, 1024), (10, 120, 200)).save(source, "PNG")
    order: list[str] = []
    req = ImageRequest(prompt="add a hat", images=[ImageInput.from_bytes(source.getvalue())], size="1024x1024",
                       stream=True, partial_images=2)
    outcome = make_client(sim, "openai-hk").generate_stream(req, lambda p: order.append(f"partial {p.index}"))
    order.append("final")
    assert order == ["partial 0", "partial 1", "final"]
    (sent,) = sim.requests("/images/edits")
    assert sent.form["stream"] == ["true"] and sent.form["partial_images"] == ["2"]
    assert [(i.width, i.height) for i in outcome.images] == [(1024, 1024)]
    assert outcome.usage is not None and outcome.usage.image_tokens > 0     # the source image was counted


def test_streamed_job_stores_a_partial_while_it_still_runs_then_the_final(sim, service):
    sim.configure(latency=1.5)          # partials at 0.5 s and 1.0 s, the final image at 1.5 s
    client = make_client(sim)
    job_id = service.submit(client, ImageRequest(prompt="lamp", size="1024x1024", stream=True, partial_images=2))
    first = wait_for(lambda: partials.list_partials(service.store, job_id))
    job = service.store.get_job(job_id)
    # The preview exists while the job runs and has no result yet: that is what the page shows.
    assert job.status == "running" and service.store.list_images(job_id=job_id) == []
    assert (first[0].partial_index, first[0].width, first[0].height) == (0, 1024, 1024)
    job = service.wait(job_id, timeout=20)
    assert job.status == "completed" and job.progress == 100
    assert [p.partial_index for p in partials.list_partials(service.store, job_id)] == [0, 1]
    images = service.store.list_images(job_id=job_id)
    assert [(r.idx, r.width, r.height) for r in images] == [(0, 1024, 1024)]     # partials stay out of results
    assert sim.requests("/images/generations")[0].json["stream"] is True
    assert job.cost_actual is not None and job.cost_actual > 0


def test_a_stream_broken_after_partials_fails_and_keeps_them_labelled_partial(sim, service):
    sim.set_faults([{"kind": "stream_break", "partials": 1, "times": 1}])
    job_id = service.submit(make_client(sim),
                            ImageRequest(prompt="bridge", size="1536x1024", stream=True, partial_images=3))
    job = service.wait(job_id, timeout=20)
    assert (job.status, job.error_code) == ("failed", "stream_interrupted")
    assert "broke after 1 partial image, before the final image" in job.error_message
    assert "The partials are kept, labelled partial." in job.error_message
    rows = service.store.list_images(job_id=job_id)
    assert [(r.idx, r.width, r.height) for r in rows] == [(partials.PARTIAL_IDX, 1536, 1024)]
    assert all(partials.is_partial(r.idx) for r in rows)
    assert len(sim.requests("/images/generations")) == 1            # never re-sent: that would bill twice


def test_a_stream_broken_before_any_partial_fails_with_nothing_kept(sim):
    sim.set_faults([{"kind": "stream_break", "partials": 0, "times": 1}])
    with pytest.raises(StreamInterrupted) as err:
        make_client(sim).generate_stream(ImageRequest(prompt="x", stream=True, partial_images=2))
    assert err.value.partials == 0 and "before any image" in err.value.message


openai = pytest.importorskip("openai")


@pytest.mark.parametrize("edit", [False, True])
def test_the_official_sdk_streaming_iterator_reads_the_simulators_stream(sim, edit):
    sdk = openai.OpenAI(base_url=sim.url + "/openai/v1", api_key="sk-test-peer", timeout=60, max_retries=0)
    if edit:
        source = io.BytesIO()
        Image.new("RGB", (1024, 1536), (0, 128, 0)).save(source, "PNG")
        stream = sdk.images.edit(model="gpt-image-2", prompt="a hat", image=("in.png", source.getvalue(), "image/png"),
                                 size="1024x1536", stream=True, partial_images=2)
        kind = "image_edit"
    else:
        stream = sdk.images.generate(model="gpt-image-2", prompt="a boat", size="1024x1536", quality="low",
                                     stream=True, partial_images=2)
        kind = "image_generation"
    events = list(stream)
    assert [e.type for e in events] == [f"{kind}.partial_image", f"{kind}.partial_image", f"{kind}.completed"]
    assert [e.partial_image_index for e in events[:2]] == [0, 1]
    assert size_of(base64.b64decode(events[-1].b64_json)) == (1024, 1536)
    assert events[-1].usage.output_tokens > 0 and events[-1].size == "1024x1536"


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_streamed_job_cut_off_by_a_restart_keeps_its_partials(easel_data_dir):
    from easel.core.models import ImageOut

    store = Store()
    job_id = store.create_job(provider="demo", status="running", owner_pid=_dead_pid(),
                              params={"stream": True, "partial_images": 2})
    data = io.BytesIO()
    Image.new("RGB", (1024, 1536), (1, 2, 3)).save(data, "PNG")
    partials.add_partial(store, job_id, 0, ImageOut(data=data.getvalue(), width=1024, height=1536, mime="image/png"))
    svc = JobService(store)
    try:
        job = svc.get(job_id)
        assert job.status == "interrupted"
        assert [(r.idx, r.width, r.height) for r in store.list_images(job_id=job_id)] == [
            (partials.PARTIAL_IDX, 1024, 1536)]
    finally:
        svc.close()
