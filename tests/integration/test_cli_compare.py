"""`easel compare` as a user runs it: a subprocess, real HTTP to the simulator, a real SQLite log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["provider", "job_id", "status", "width", "height", "latency_s", "cost_estimate", "cost_reported", "currency",
        "error_code"]


def _easel(sim, *args):
    env = dict(os.environ, EASEL_SIMULATOR_URL=sim.url)
    return subprocess.run([sys.executable, "-m", "easel.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_compare_json_is_one_fixed_object_per_provider(sim, tmp_path, easel_data_dir):
    zip_path = tmp_path / "cmp.zip"
    proc = _easel(sim, "compare", "--providers", "demo,demo:gccai,demo:icodeeasy", "--prompt", "a fox",
                  "--size", "1920x1080", "--quality", "low", "--json", "--zip", str(zip_path))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [list(o) for o in out] == [KEYS] * 3
    assert [o["provider"] for o in out] == ["demo", "demo:gccai", "demo:icodeeasy"]
    assert [o["status"] for o in out] == ["completed"] * 3
    # Demo keeps 1920 and rounds 1080 to a multiple of 16; gccai and icodeeasy get 16:9 at 2K.
    assert [(o["width"], o["height"]) for o in out] == [(1920, 1088), (2048, 1152), (2048, 1152)]
    assert [(o["cost_estimate"], o["currency"]) for o in out][1:] == [(None, "USD"), (0.1, "CNY")]
    # gccai's task reports its cost (simulator: low 2k, USD 0.02); sync icodeeasy reports none.
    assert out[2]["cost_reported"] is None and out[1]["cost_reported"] == 0.02
    assert all(isinstance(o["latency_s"], float) and o["error_code"] is None for o in out)
    from easel.store import Store

    store = Store(easel_data_dir / "easel.db")
    jobs = [store.get_job(o["job_id"]) for o in out]
    assert len({j.comparison_id for j in jobs}) == 1 and jobs[0].comparison_id
    manifest = json.loads(zipfile.ZipFile(zip_path).read("comparison.json"))
    assert [c["job_id"] for c in manifest["columns"]] == [o["job_id"] for o in out]
    store.close()


def test_compare_refuses_before_sending_anything(sim, easel_data_dir):
    one = _easel(sim, "compare", "--providers", "demo", "--prompt", "x", "--json")
    assert one.returncode == 2 and "takes 2 to 6 providers; got 1. [compare_columns]" in one.stderr
    nokey = _easel(sim, "compare", "--providers", "demo,qcode", "--prompt", "x", "--json")
    assert nokey.returncode == 2 and "No API key for QCode" in nokey.stderr and "[missing_key]" in nokey.stderr
    assert one.stdout == nokey.stdout == ""
    assert sim.requests() == []
