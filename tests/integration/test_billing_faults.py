"""The simulator's billing misbehaviour switches over real HTTP, as a client meets them: `overbill` doubles the
provider's own figure, `bill_failure` fails a task that still reports its cost; faithful answers stay exact."""

from __future__ import annotations

import json
import time

import httpx

AUTH = {"Authorization": "Bearer sk_test_billing_faults"}
SQUARE_LOW = {"model": "gpt-image-2", "prompt": "a red fox", "size": "1024x1024", "quality": "low"}


def post(sim, path, body, **kw):
    return httpx.post(sim.url + path, json=body, headers=AUTH, timeout=30, **kw)


def gccai_done(sim) -> dict:
    r = post(sim, "/gccai/v1/images/generations", {"model": "gpt-image-2-official", "prompt": "x", "quality": "medium"})
    task_id = r.json()["data"][0]["task_id"]
    time.sleep(0.3)
    return httpx.get(f"{sim.url}/gccai/v1/tasks/{task_id}", headers=AUTH).json()["data"]


def test_gccai_overbill_doubles_the_task_cost_once(sim):
    sim.configure(task_duration=0.1)
    sim.set_faults([{"kind": "overbill", "times": 1}])
    over, fair = gccai_done(sim), gccai_done(sim)
    assert (over["status"], over["cost"]) == ("completed", 0.08)       # medium 1k: USD 0.04 per image, × 2
    assert (fair["status"], fair["cost"]) == ("completed", 0.04)
    assert sim.stats()["faults_fired"] == {"overbill": 1}


def test_gccai_bill_failure_fails_the_task_yet_reports_its_cost(sim):
    sim.configure(task_duration=0.1)
    sim.set_faults([{"kind": "task_fail", "times": 1}])
    honest = gccai_done(sim)
    assert (honest["status"], honest["cost"]) == ("failed", 0)          # a faithful failure costs 0
    sim.set_faults([{"kind": "bill_failure", "times": 1}])
    billed = gccai_done(sim)
    assert (billed["status"], billed["cost"]) == ("failed", 0.04)
    assert billed["fail_reason"].startswith("Image generation failed upstream")


def test_icodeeasy_async_overbill_and_bill_failure(sim):
    sim.configure(task_duration=0.1)
    body = {"model": "gpt-image-2", "prompt": "x", "quality": "high"}

    def task() -> dict:
        r = post(sim, "/icodeeasy/v1/images/generations?async=1", body)
        time.sleep(0.3)
        return httpx.get(f"{sim.url}/icodeeasy/v1/images/tasks/{r.json()['task_id']}", headers=AUTH).json()

    sim.set_faults([{"kind": "overbill", "times": 1}])
    assert (task()["cost"], task()["cost"]) == (0.8, 0.4)               # high: CNY 0.40, × 2 once
    sim.set_faults([{"kind": "bill_failure", "times": 1}])
    failed = task()
    assert (failed["status"], failed["cost"]) == ("failed", 0.4)
    sim.set_faults([{"kind": "task_fail", "times": 1}])
    assert "cost" not in task()                                        # a faithful failure carries no cost


def test_openai_hk_overbill_doubles_the_output_tokens(sim):
    sim.set_faults([{"kind": "overbill", "times": 1}])
    over = post(sim, "/openai-hk/v1/images/generations", SQUARE_LOW).json()["usage"]
    fair = post(sim, "/openai-hk/v1/images/generations", SQUARE_LOW).json()["usage"]
    assert fair == {"input_tokens": 3, "input_tokens_details": {"image_tokens": 0, "text_tokens": 3},
                    "output_tokens": 272, "total_tokens": 275}
    assert (over["output_tokens"], over["total_tokens"], over["input_tokens"]) == (544, 547, 3)


def test_a_streamed_demo_response_reports_the_overbilled_usage(sim):
    sim.set_faults([{"kind": "overbill", "times": 1}])
    with httpx.stream("POST", sim.url + "/demo/v1/images/generations", headers=AUTH, timeout=30,
                      json={**SQUARE_LOW, "stream": True, "partial_images": 1}) as r:
        events = [json.loads(line[5:]) for line in r.iter_lines() if line.startswith("data:") and "{" in line]
    [done] = [e for e in events if e["type"].endswith("completed")]
    assert done["usage"]["output_tokens"] == 544


def test_qcode_has_no_figure_to_inflate(sim):
    sim.set_faults([{"kind": "overbill"}])
    r = post(sim, "/qcode/qcode-img/v1/images/generations", SQUARE_LOW)
    assert r.status_code == 200 and "usage" not in r.json()
    assert sim.stats()["faults_fired"] == {}
