"""Every simulator fault kind, observed over real HTTP the way a client meets it."""

from __future__ import annotations

import base64
import io
import json
import time

import httpx
import pytest
from PIL import Image

AUTH = {"Authorization": "Bearer cr_test_faults"}
QCODE_GEN = "/qcode/qcode-img/v1/images/generations"
BODY = {"model": "gpt-image-2", "prompt": "x"}


def post(sim, path, body=BODY, **kw):
    return httpx.post(sim.url + path, json=body, headers=AUTH, timeout=30, **kw)


def gccai_task(sim, **extra) -> str:
    r = post(sim, "/gccai/v1/images/generations", {"model": "gpt-image-2-official", "prompt": "x", **extra})
    assert r.status_code == 200, r.text
    return r.json()["data"][0]["task_id"]


def poll_gccai(sim, task_id) -> dict:
    return httpx.get(f"{sim.url}/gccai/v1/tasks/{task_id}", headers=AUTH).json()["data"]


@pytest.mark.parametrize("kind,status,code", [
    ("http_400", 400, "invalid_request_error"), ("http_401", 401, "invalid_api_key"),
    ("http_402", 402, "payment_required"), ("http_413", 413, "image_too_large"),
    ("http_422", 422, "unsupported_size"), ("http_429_concurrency", 429, "concurrency_exhausted"),
    ("http_429_daily", 429, "image_daily_limit"), ("http_429_crs", 429, "crs_daily_exhausted"),
    ("http_500", 500, "server_error"), ("http_503", 503, "service_overloaded"),
])
def test_http_faults_answer_the_documented_status_and_code_once(sim, kind, status, code):
    sim.set_faults([{"kind": kind, "times": 1}])
    r = post(sim, QCODE_GEN)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert post(sim, QCODE_GEN).status_code == 200


def test_rate_limit_sends_retry_after(sim):
    sim.set_faults([{"kind": "http_429_rate", "times": 1, "retry_after": 2.5}])
    r = post(sim, QCODE_GEN)
    assert r.status_code == 429 and r.json()["error"]["type"] == "rate_limit_error"
    assert r.headers["retry-after"] == "3" and r.headers["retry-after-ms"] == "2500"


def test_524_is_the_cdns_plain_body(sim):
    sim.set_faults([{"kind": "http_524", "times": 1}])
    r = post(sim, QCODE_GEN)
    assert r.status_code == 524 and r.text == "error code: 524"


def test_errors_follow_each_providers_shape(sim):
    sim.set_faults([{"kind": "http_429_daily"}])
    r = post(sim, "/icodeeasy/v1/images/generations", BODY)
    assert r.status_code == 429
    assert r.json() == {"error": {"type": "rate_limit_error", "message": r.json()["error"]["message"],
                                  "provider": "icodeeasy.cc"}}
    r = post(sim, "/gccai/v1/images/generations", {"prompt": "x"})
    assert r.status_code == 429 and set(r.json()) == {"code", "message"} and r.json()["code"] == 429


def test_drop_closes_the_connection_without_a_response(sim):
    sim.set_faults([{"kind": "drop", "times": 1}])
    with pytest.raises(httpx.TransportError):
        post(sim, QCODE_GEN)
    assert sim.requests()[0].status == 0
    assert post(sim, QCODE_GEN).status_code == 200


def test_slow_answers_normally_after_its_delay(sim):
    sim.set_faults([{"kind": "slow", "times": 1, "delay": 0.2}])
    assert post(sim, QCODE_GEN).status_code == 200
    assert sim.stats()["faults_fired"] == {"slow": 1}


def test_malformed_json_is_a_200_that_does_not_parse(sim):
    sim.set_faults([{"kind": "malformed_json", "times": 1}])
    r = post(sim, QCODE_GEN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)


def test_bomb_declares_a_huge_image_in_a_small_file(sim):
    sim.set_faults([{"kind": "bomb", "times": 1}])
    data = base64.b64decode(post(sim, QCODE_GEN).json()["data"][0]["b64_json"])
    assert len(data) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))


def test_result_404_and_bomb_hit_result_files(sim):
    sim.configure(task_duration=0)
    sim.set_faults([{"kind": "result_404", "times": 1}, {"kind": "bomb", "endpoint": "file", "times": 1}])
    url = poll_gccai(sim, gccai_task(sim))["result"]["images"][0]["url"][0]
    assert httpx.get(url).status_code == 404
    bomb = httpx.get(url)
    assert bomb.status_code == 200 and bomb.content.startswith(b"\x89PNG") and len(bomb.content) < 100_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb.content))
    assert Image.open(io.BytesIO(httpx.get(url).content)).size == (1024, 1024)


def test_task_fail_and_task_stuck(sim):
    sim.configure(task_duration=0.1)
    sim.set_faults([{"kind": "task_fail", "provider": "gccai", "endpoint": "submit", "times": 1},
                    {"kind": "task_stuck", "provider": "gccai", "endpoint": "submit", "times": 1}])
    failing, stuck = gccai_task(sim), gccai_task(sim)
    time.sleep(0.3)
    failed = poll_gccai(sim, failing)
    assert failed["status"] == "failed" and failed["fail_reason"] and failed["cost"] == 0 and "result" not in failed
    assert poll_gccai(sim, stuck)["status"] == "in_progress"

    sim.configure(task_duration=30)
    sim.set_faults([{"kind": "task_fail", "endpoint": "poll", "times": 1}])
    r = post(sim, "/icodeeasy/v1/images/generations?async=true", {"model": "gpt-image-2", "prompt": "x"})
    task = httpx.get(f"{sim.url}/icodeeasy/v1/images/tasks/{r.json()['task_id']}", headers=AUTH).json()
    assert task["status"] == "failed" and task["error"]["type"] == "server_error"


def test_rules_match_by_provider_and_endpoint_and_fire_at_a_seeded_rate(sim):
    sim.set_faults([{"kind": "http_500", "provider": "gccai"}, {"kind": "http_503", "endpoint": "poll"}])
    assert post(sim, QCODE_GEN).status_code == 200
    assert post(sim, "/gccai/v1/images/generations", {"prompt": "x"}).status_code == 500

    sim.reset()
    sim.set_faults([{"kind": "http_500", "rate": 0.5}])
    codes = [post(sim, "/demo/v1/images/generations").status_code for _ in range(20)]
    sim.reset()
    sim.set_faults([{"kind": "http_500", "rate": 0.5}])
    assert [post(sim, "/demo/v1/images/generations").status_code for _ in range(20)] == codes
    assert 0 < codes.count(500) < 20


def test_unknown_fault_kinds_are_refused():
    from easel.simulator.state import SimState

    with pytest.raises(ValueError, match="Unknown fault kind"):
        SimState().set_faults([{"kind": "http_418"}])
