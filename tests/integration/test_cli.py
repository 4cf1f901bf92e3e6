"""The `easel` command as a user runs it: a separate process, real HTTP to the simulator, a real SQLite log.

Each command runs in a subprocess (`python -m easel.cli`), so nothing is shared with the test but the data
directory and the simulator's address, exactly as between two shells.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from easel.providers.catalog import get_profile
from easel.simulator.routes import prefix_for

ROOT = Path(__file__).resolve().parents[2]
OUTCOME_KEYS = {"job_id", "provider", "model", "status", "progress", "task_id", "images", "cost", "latency_s",
                "error"}
CSV_HEAD = ["created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n", "status",
            "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "task_id", "key_fingerprint"]


@pytest.fixture
def env(sim):
    """The environment of a shell configured for QCode and gccai pointed at the simulator, with test keys."""
    e = dict(os.environ)
    e.update({
        "EASEL_QCODE_BASE_URL": sim.url + prefix_for("qcode"), "EASEL_QCODE_API_KEY": "cr-test-cli-key",
        "EASEL_GCCAI_BASE_URL": sim.url + prefix_for("gccai"), "EASEL_GCCAI_API_KEY": "sk-test-cli-gccai",
        "EASEL_SIMULATOR_URL": sim.url,
    })
    return e


def easel(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "easel.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def one_json(proc) -> dict:
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stdout
    out = json.loads(lines[0])
    assert set(out) == OUTCOME_KEYS
    return out


def assert_png(image: dict) -> None:
    path = Path(image["path"])
    assert path.is_file()
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.size == (image["width"], image["height"])


def assert_clean_failure(proc, code: int = 1) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("Error: ")


def test_demo_generate_json_on_a_fresh_setup_prints_the_result_and_leaves_a_png(env, tmp_path):
    del env["EASEL_SIMULATOR_URL"]     # a fresh clone: the CLI starts its own simulator
    out_dir = tmp_path / "out"
    proc = easel(env, "generate", "--provider", "demo", "--prompt", "a red fox", "--json", "--out", str(out_dir))
    assert proc.returncode == 0, proc.stderr
    out = one_json(proc)
    assert (out["provider"], out["model"], out["status"], out["error"]) == ("demo", "gpt-image-2", "completed", None)
    assert len(out["images"]) == 1 and Path(out["images"][0]["path"]).parent == out_dir
    assert_png(out["images"][0])
    assert (out["images"][0]["width"], out["images"][0]["height"]) == (1024, 1024)
    assert out["cost"]["currency"] == "USD" and out["cost"]["actual"] > 0
    # The request's own time, inside the job's life as the store logged it (created before the request was sent,
    # finished after the image was stored): a latency of 0, or one longer than the job, fails.
    from easel.store import Store

    job = Store().get_job(out["job_id"])
    assert job is not None and job.status == "completed" and out["progress"] == 100
    assert 0 < out["latency_s"] <= round(job.finished_at - job.created_at, 3) + 0.001


def test_qcode_generate_sends_the_documented_request_and_charges_the_table_price(env, sim):
    sim.configure(latency=0.4)         # each sync generation takes at least this long on the simulator
    proc = easel(env, "generate", "--provider", "qcode", "--prompt", "a lighthouse at dusk", "--size", "1536x1024",
                 "--quality", "high", "--n", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    out = one_json(proc)
    assert out["status"] == "completed" and len(out["images"]) == 2
    for image in out["images"]:
        assert_png(image)
        assert (image["width"], image["height"]) == (1536, 1024)
    sent = sim.requests("/qcode/qcode-img/v1/images/generations")
    assert len(sent) == 1
    assert sent[0].json == {"model": "gpt-image-2", "prompt": "a lighthouse at dusk", "size": "1536x1024",
                            "quality": "high", "n": 2}
    # qcode.txt: 1536×1024 high is $0.165 per image.
    assert out["cost"] == {"estimated": pytest.approx(0.33), "actual": pytest.approx(0.33), "currency": "USD"}
    assert out["latency_s"] >= 0.4 and out["task_id"] is None and len(out["job_id"]) == 32


def test_a_missing_key_names_the_environment_variable_and_exits_2(env, sim):
    del env["EASEL_QCODE_API_KEY"]
    proc = easel(env, "generate", "--provider", "qcode", "--prompt", "x")
    assert_clean_failure(proc, 2)
    assert "EASEL_QCODE_API_KEY" in proc.stderr
    assert sim.requests() == []


def test_a_rejected_key_fails_with_the_providers_message(env, sim):
    env["EASEL_QCODE_API_KEY"] = "bad-test-key"
    proc = easel(env, "generate", "--provider", "qcode", "--prompt", "x", "--json")
    assert_clean_failure(proc)
    out = one_json(proc)
    assert out["status"] == "failed" and out["images"] == []
    assert out["error"]["code"] in ("authentication_error", "invalid_api_key")
    assert "HTTP 401" in proc.stderr and "API key" in proc.stderr
    assert out["cost"]["actual"] == 0


def test_the_daily_cap_fails_at_once_without_retrying(env, sim):
    sim.set_faults([{"kind": "http_429_daily", "provider": "qcode", "times": 1}])
    proc = easel(env, "generate", "--provider", "qcode", "--prompt", "x")
    assert_clean_failure(proc)
    assert "image_daily_limit" in proc.stderr and "100 images per key per day" in proc.stderr
    assert len(sim.requests("/images/generations")) == 1


def test_an_async_job_submitted_in_one_process_is_finished_by_another(env, sim):
    submitted = easel(env, "generate", "--provider", "gccai", "--prompt", "a paper crane", "--size", "16:9",
                      "--async", "--json")
    assert submitted.returncode == 0, submitted.stderr
    first = one_json(submitted)
    assert first["status"] == "pending" and first["task_id"] and first["images"] == []

    job_id = _only_job_id(env)
    waited = easel(env, "tasks", "wait", job_id, "--json", "--timeout", "60")
    assert waited.returncode == 0, waited.stderr
    final = one_json(waited)
    assert final["status"] == "completed" and final["task_id"] == first["task_id"]
    assert len(final["images"]) == 1
    assert_png(final["images"][0])
    assert (final["images"][0]["width"], final["images"][0]["height"]) == (1536, 864)  # gccai.txt 16:9 at 1k
    assert final["cost"]["actual"] is not None and final["cost"]["currency"] == "USD"

    shown = easel(env, "tasks", "show", job_id[:8], "--json")
    assert shown.returncode == 0 and one_json(shown) == final


def _only_job_id(env) -> str:
    from easel.store import Store

    jobs = Store().list_jobs()
    assert len(jobs) == 1
    return jobs[0].id


def test_tasks_wait_without_an_id_follows_every_pending_task_with_batch_polls(env, sim):
    # Long enough that none finishes while the submitting processes are still alive.
    sim.configure(task_duration=6.0)
    prompts = ["one", "two", "three"]
    for prompt in prompts:
        proc = easel(env, "generate", "--provider", "gccai", "--prompt", prompt, "--async")
        assert proc.returncode == 0, proc.stderr
    assert len(sim.requests("/gccai/v1/images/generations")) == 3
    seen = len(sim.requests())

    proc = easel(env, "tasks", "wait", "--json", "--timeout", "90")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == 3 and {r["status"] for r in results} == {"completed"}
    for r in results:
        assert set(r) == OUTCOME_KEYS
        assert_png(r["images"][0])
    polls = [r for r in sim.requests()[seen:] if r.endpoint == "poll"]
    # One request per cycle for every open task: gccai's batch endpoint (the client uses the plain GET only
    # when a single task is left open).
    assert polls[0].path == "/gccai/v1/tasks/batch" and len(polls[0].json["task_ids"]) == 3
    assert all(r.path == "/gccai/v1/tasks/batch" for r in polls if r.method == "POST")
    asked = {tid for req in polls for tid in (req.json["task_ids"] if req.json else [req.path.rsplit("/", 1)[1]])}
    assert asked == {r["task_id"] for r in results}

    again = easel(env, "tasks", "wait")
    assert again.returncode == 0 and "Nothing to wait for" in again.stdout


def test_tasks_wait_without_the_key_says_so_and_does_not_hang(env, sim):
    proc = easel(env, "generate", "--provider", "gccai", "--prompt", "orphan", "--async")
    assert proc.returncode == 0, proc.stderr
    env["EASEL_GCCAI_API_KEY"] = "sk-test-another-key"
    waited = easel(env, "tasks", "wait", "--timeout", "30")
    assert waited.returncode == 3
    assert "waiting for the gccai key" in waited.stderr and "EASEL_GCCAI_API_KEY" in waited.stderr


def test_usage_csv_has_the_documented_columns_and_one_row_per_request_failures_included(env, sim):
    assert easel(env, "generate", "--provider", "qcode", "--prompt", "ok", "--quality", "low").returncode == 0
    sim.set_faults([{"kind": "http_429_daily", "provider": "qcode", "times": 1}])
    assert easel(env, "generate", "--provider", "qcode", "--prompt", "capped").returncode == 1

    proc = easel(env, "usage", "--csv", "--provider", "qcode")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0][:17] == CSV_HEAD
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [(r["status"], r["error_code"]) for r in body] == [("completed", ""), ("failed", "image_daily_limit")]
    assert float(body[0]["cost_actual"]) == pytest.approx(0.08)         # qcode.txt: the $0.08 floor
    assert float(body[1]["cost_actual"]) == 0                          # a failure is not billed
    assert {r["provider"] for r in body} == {"qcode"} and all(r["key_fingerprint"].startswith("fp-") for r in body)
    assert "cr-test-cli-key" not in proc.stdout

    summary = easel(env, "usage", "--provider", "qcode")
    assert summary.returncode == 0 and "Success rate" in summary.stdout and "50.0%" in summary.stdout


def test_simulate_serves_the_providers_with_injected_faults_and_seeds_a_demo_log(tmp_path):
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "easel.cli", "simulate", "--port", str(port),
                             "--fail", "http_500:1.0", "--seed-usage", "20"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.post(base + prefix_for(get_profile("qcode")) + "/images/generations",
                               json={"model": "gpt-image-2", "prompt": "x", "size": "1024x1024", "quality": "low",
                                     "n": 1}, headers={"Authorization": "Bearer cr-test-sim"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None, "simulator did not start"
                time.sleep(0.1)
        assert r.status_code == 500 and "error" in r.json()
        rows = list(csv.reader(io.StringIO(easel(dict(os.environ), "usage", "--csv").stdout)))
        assert rows[0][:17] == CSV_HEAD and len(rows) == 21
    finally:
        proc.terminate()
        proc.wait(timeout=10)
