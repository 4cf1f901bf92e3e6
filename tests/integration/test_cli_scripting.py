"""The `easel` command inside shell scripts (issue 14 §1): ids a script can pass on, JSON everywhere, pipes that close.

As in test_cli.py, every command is a separate `python -m easel.cli` process speaking real HTTP to the simulator
and writing a real SQLite file.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from PIL import Image

from test_cli import OUTCOME_KEYS, ROOT, easel, env, one_json  # noqa: F401 - env is a fixture

SUMMARY_KEYS = {"job_id", "task_id", "created_at", "finished_at", "provider", "mode", "status", "progress", "prompt",
                "cost", "simulated"}


def png_file(path, size=(64, 48), color=(200, 40, 40, 255)):
    Image.new("RGBA", size, color).save(path, "PNG")
    return str(path)


def test_generate_and_edit_json_carry_the_easel_job_id_and_the_providers_task_id(env, sim, tmp_path):
    from easel.store import Store

    sync = one_json(easel(env, "generate", "--provider", "qcode", "--prompt", "a kite", "--quality", "low", "--json"))
    async_ = one_json(easel(env, "generate", "--provider", "gccai", "--prompt", "a boat", "--async", "--json"))
    src = png_file(tmp_path / "src.png")
    edit = one_json(easel(env, "generate", "--provider", "qcode", "--prompt", "make it blue", "--image", src,
                          "--size", "auto", "--json"))
    async_edit = one_json(easel(env, "generate", "--provider", "gccai", "--prompt", "make it blue", "--image", src,
                                "--async", "--json"))
    store = Store()
    for out, endpoint in ((sync, "generations"), (async_, "generations"), (edit, "edits"), (async_edit, "edits")):
        job = store.get_job(out["job_id"])
        assert job is not None and job.endpoint == endpoint and job.provider == out["provider"]
        assert out["task_id"] == (",".join(job.task_ids) or None)
    assert sync["task_id"] is None and edit["task_id"] is None and sync["status"] == edit["status"] == "completed"
    for out in (async_, async_edit):
        assert out["status"] == "pending" and out["progress"] == 0
        assert out["task_id"].startswith("task_") and out["task_id"] != out["job_id"]
    # The ids are the provider's own: the simulator holds a task under each, and two submits made two.
    assert len(sim.requests("/gccai/v1/images/generations")) == 2
    assert sim.state.get_task(async_["task_id"]) is not None and sim.state.get_task(async_edit["task_id"]) is not None

def test_tasks_show_and_wait_take_the_task_id_that_generate_async_printed(env, sim):
    first = one_json(easel(env, "generate", "--provider", "gccai", "--prompt", "a paper crane", "--async", "--json"))
    waited = easel(env, "tasks", "wait", first["task_id"], "--json", "--timeout", "60")
    assert waited.returncode == 0, waited.stderr
    final = one_json(waited)
    assert (final["job_id"], final["task_id"], final["status"]) == (first["job_id"], first["task_id"], "completed")

    shown = easel(env, "tasks", "show", first["task_id"], "--json")
    assert shown.returncode == 0, shown.stderr
    out = one_json(shown)
    assert out == final
    assert out["progress"] == 100 and out["error"] is None
    (image,) = out["images"]
    with Image.open(image["path"]) as img:                   # a path on disk a script can open as it is
        assert img.size == (image["width"], image["height"]) == (1024, 1024)    # gccai.txt: 1:1 at 1k
    assert out["cost"]["currency"] == "USD" and out["cost"]["actual"] > 0


def test_tasks_show_json_of_a_failed_job_gives_its_error_and_exits_1(env, sim):
    env["EASEL_QCODE_API_KEY"] = "bad-test-key"
    failed = one_json(easel(env, "generate", "--provider", "qcode", "--prompt", "x", "--json"))
    shown = easel(env, "tasks", "show", failed["job_id"][:10], "--json")
    assert shown.returncode == 1
    out = one_json(shown)
    assert out["status"] == "failed" and out["images"] == [] and out["progress"] is None
    assert out["error"]["code"] == failed["error"]["code"] and "API key" in out["error"]["message"]
    assert out["cost"]["actual"] == 0


def _jobs_with_prefix(count: int, prefix: str, prompt: str = "job"):
    """Jobs written straight to the store, with ids sharing a prefix (uuid4 ids rarely do)."""
    from easel.store import Store

    store = Store()
    ids = []
    for i in range(count):
        ids.append(store.create_job(provider="gccai", status="pending", mode="async", prompt=f"{prompt} {i} " * 8,
                                    job_id=f"{prefix}{i:02d}" + "0" * (32 - len(prefix) - 2), created_at=1_000 + i))
    return ids


def test_an_ambiguous_prefix_lists_the_candidates_and_a_unique_one_is_found(env, sim):
    ids = _jobs_with_prefix(3, "abcd")
    proc = easel(env, "tasks", "show", "abcd")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("Error: 'abcd' matches 3 jobs:\n")
    lines = proc.stderr.splitlines()
    # One line per candidate, newest first: the id (12 characters), the provider, the status, the prompt's start.
    for n, job_id in enumerate(reversed(ids)):
        line = lines[1 + n]
        assert line.startswith(f"  {job_id[:12]}  gccai ") and " pending " in line
        assert f"job {2 - n} job {2 - n}" in line and line.endswith("…")
    assert lines[4] == "Give more of the id. [ambiguous_id]"

    unique = easel(env, "tasks", "show", ids[1][:6], "--json")
    assert unique.returncode == 0, unique.stderr
    assert one_json(unique)["job_id"] == ids[1]

    unknown = easel(env, "tasks", "show", "task_nothing_like_it")
    assert unknown.returncode == 2
    assert "No job or provider task 'task_nothing_like_it'" in unknown.stderr and "[unknown_job]" in unknown.stderr


def test_tasks_list_json_prints_one_object_per_job_newest_first(env, sim):
    first = one_json(easel(env, "generate", "--provider", "qcode", "--prompt", "first", "--quality", "low", "--json"))
    second = one_json(easel(env, "generate", "--provider", "gccai", "--prompt", "second", "--async", "--json"))
    proc = easel(env, "tasks", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["job_id"] for r in rows] == [second["job_id"], first["job_id"]]
    assert all(set(r) == SUMMARY_KEYS for r in rows)
    assert (rows[0]["task_id"], rows[0]["mode"], rows[0]["prompt"]) == (second["task_id"], "async", "second")
    assert (rows[1]["status"], rows[1]["progress"], rows[1]["cost"]) == ("completed", 100, first["cost"])
    assert rows[1]["created_at"] <= rows[1]["finished_at"] and rows[1]["created_at"].endswith("+00:00")

    none = easel(env, "tasks", "list", "--json", "--provider", "icodeeasy")
    assert none.returncode == 0 and none.stdout == ""


def test_tasks_list_into_a_pipe_closed_early_exits_quietly(env):
    """`easel tasks list | head -1`: the reader goes away after one line, while the list is still being written."""
    from easel.store import Store

    store = Store()
    for i in range(3000):            # well past a pipe's 64 KiB buffer, so the writer is blocked when it closes
        store.create_job(provider="qcode", status="completed", prompt=f"row {i} " * 10, created_at=2_000 + i)
    proc = subprocess.Popen([sys.executable, "-m", "easel.cli", "tasks", "list", "--limit", "5000"], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    code = proc.wait(timeout=120)
    assert len(first.split()[0]) == 8 and b"row 2999" in first
    assert err == b"", err.decode()
    assert code == 141


def test_the_shell_pipe_to_head_prints_the_head_and_no_error(env):
    from easel.store import Store

    store = Store()
    for i in range(3000):
        store.create_job(provider="qcode", status="completed", prompt=f"row {i} " * 10, created_at=2_000 + i)
    proc = subprocess.run(["bash", "-c", f"'{sys.executable}' -m easel.cli tasks list --limit 5000 | head -3"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 3 and "row 2999" in proc.stdout.splitlines()[0]


def test_any_of_a_jobs_provider_tasks_finds_it_and_so_does_the_comma_joined_task_id(env):
    from easel.store import Store

    store = Store()
    job_id = store.create_job(provider="gccai", status="pending", mode="async", prompt="two tasks", n=2)
    store.add_tasks(job_id, "gccai", ["task_AAA", "task_BBB"], first_poll_at=0, deadline_at=None)
    store.update_job(job_id, task_ids_json=["task_AAA", "task_BBB"])
    store.create_job(provider="gccai", status="pending", mode="async", prompt="another")
    for ref in ("task_BBB", "task_AAA", "task_AAA,task_BBB"):
        proc = easel(env, "tasks", "show", ref, "--json")
        assert proc.returncode == 0, proc.stderr
        out = one_json(proc)
        assert out["job_id"] == job_id and out["task_id"] == "task_AAA,task_BBB"
