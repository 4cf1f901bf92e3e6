"""The README's submit-and-wait script, run exactly as printed, against the simulator: the README cannot drift."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from PIL import Image

from test_cli import ROOT, env  # noqa: F401 - env is a fixture

MARKER = "# submit-and-wait:"
SUBJECTS = ["a red fox", "a paper crane", "a lighthouse", "a teapot", "a bonsai"]


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if MARKER in b]
    assert len(blocks) == 1, "the README's CLI section has exactly one submit-and-wait script"
    return blocks[0]


def easel_on_path(tmp_path: Path) -> str:
    """A bin directory whose `easel` is this checkout's command (what `pip install -e .` puts on PATH)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "easel"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m easel.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    py3 = bin_dir / "python3"               # the script's python3 is this interpreter, as in a venv
    py3.symlink_to(sys.executable)
    return str(bin_dir)


def test_the_readme_script_submits_five_async_jobs_and_waits_for_them(env, sim, tmp_path):
    script = tmp_path / "submit-and-wait.sh"
    script.write_text(readme_script())
    env["PATH"] = easel_on_path(tmp_path) + os.pathsep + env["PATH"]
    env["PYTHONPATH"] = str(ROOT)
    sim.configure(task_duration=2.0)         # still running when the last submit returns, so the waits wait
    proc = subprocess.run(["bash", str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == 5 and len({r["job_id"] for r in results}) == 5
    assert {r["status"] for r in results} == {"completed"}

    submits = sim.requests("/gccai/v1/images/generations")
    assert [r.json["prompt"] for r in submits] == SUBJECTS             # five tasks, submitted in order
    from easel.store import Store

    store = Store()
    for subject, result in zip(SUBJECTS, results):
        job = store.get_job(result["job_id"])
        assert job.prompt == subject and job.mode == "async" and result["task_id"] == job.task_ids[0]
        (image,) = result["images"]
        with Image.open(image["path"]) as img:
            assert img.size == (image["width"], image["height"]) == (1024, 1024)


def test_the_readme_script_exits_non_zero_when_a_job_fails(env, sim, tmp_path):
    script = tmp_path / "submit-and-wait.sh"
    script.write_text(readme_script())
    env["PATH"] = easel_on_path(tmp_path) + os.pathsep + env["PATH"]
    env["PYTHONPATH"] = str(ROOT)
    sim.set_faults([{"kind": "task_fail", "provider": "gccai", "times": 1}])
    proc = subprocess.run(["bash", str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and len(results) == 5        # every job is still waited for
    assert sorted(r["status"] for r in results) == ["completed"] * 4 + ["failed"]
