"""`easel batch` as a user runs it: a subprocess, real HTTP to the simulator, a real SQLite log."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["row", "prompt", "job_id", "status", "files", "cost", "currency", "error_code"]


def _easel(sim, *args):
    env = dict(os.environ, EASEL_SIMULATOR_URL=sim.url)
    return subprocess.run([sys.executable, "-m", "easel.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_batch_json_prints_one_line_per_row_invalid_rows_first(sim, tmp_path, easel_data_dir):
    src = tmp_path / "rows.csv"
    src.write_text("prompt,size,quality\na red fox,1536x1024,low\na blue whale,800x600,\n一只橘猫,,high\n",
                   encoding="utf-8")
    zip_path = tmp_path / "b.zip"
    proc = _easel(sim, "batch", str(src), "--provider", "demo", "--simulate", "qcode", "--json", "--zip",
                  str(zip_path))
    assert proc.returncode == 1, proc.stderr              # one row invalid
    assert proc.stderr.splitlines()[0] == ("Row 2: QCode (simulated) supports only the sizes 1024x1024, 1024x1536, "
                                           "1536x1024; got 800x600. [unsupported_size]")
    lines = [json.loads(ln) for ln in proc.stdout.splitlines()]
    assert [list(o) for o in lines] == [KEYS] * 3
    assert lines[0] == {"row": 2, "prompt": "a blue whale", "job_id": None, "status": "invalid", "files": [],
                        "cost": None, "currency": None, "error_code": "unsupported_size"}
    done = sorted(lines[1:], key=lambda o: o["row"])
    assert [(o["row"], o["prompt"], o["status"], o["currency"]) for o in done] == \
        [(1, "a red fox", "completed", "USD"), (3, "一只橘猫", "completed", "USD")]
    assert all(len(o["files"]) == 1 and Path(o["files"][0]).is_file() for o in done)
    # The wire: exactly the two valid rows, each with its own size and quality (row 3: QCode's default size).
    sent = sorted((r.json["prompt"], r.json["size"], r.json["quality"]) for r in sim.requests("/qcode/"))
    assert sent == [("a red fox", "1536x1024", "low"), ("一只橘猫", "1024x1024", "high")]
    from easel.store import Store

    store = Store(easel_data_dir / "easel.db")
    jobs = {o["row"]: store.get_job(o["job_id"]) for o in done}
    assert [o["cost"] for o in done] == [jobs[1].cost_actual, jobs[3].cost_actual]
    assert jobs[1].batch_id and jobs[1].batch_id == jobs[3].batch_id
    manifest = list(csv.DictReader(io.StringIO(zipfile.ZipFile(zip_path).read("batch.csv").decode("utf-8"))))
    assert [(m["row"], m["status"], m["job_id"]) for m in manifest] == \
        [("1", "completed", jobs[1].id), ("2", "invalid", ""), ("3", "completed", jobs[3].id)]
    store.close()


def test_a_text_batch_with_every_row_invalid_sends_nothing(sim, tmp_path, easel_data_dir):
    src = tmp_path / "p.txt"
    src.write_text("a fox\na whale\n", encoding="utf-8")
    proc = _easel(sim, "batch", str(src), "--provider", "demo", "--simulate", "qcode", "--size", "640x480")
    assert proc.returncode == 2
    assert proc.stderr.count("[unsupported_size]") == 2 and "Nothing was sent: every row is invalid." in proc.stderr
    assert sim.requests() == [] and proc.stdout == ""


def test_an_unreadable_file_is_one_clear_message(sim, tmp_path, easel_data_dir):
    src = tmp_path / "p.csv"
    src.write_text("text\nfox\n", encoding="utf-8")
    proc = _easel(sim, "batch", str(src))
    assert proc.returncode == 2 and proc.stderr.startswith("Error: The CSV has no `prompt` column")
    assert "Traceback" not in proc.stderr and sim.requests() == []


def test_without_json_each_row_is_one_line_and_the_plan_goes_to_stderr(sim, tmp_path, easel_data_dir):
    src = tmp_path / "p.txt"
    src.write_text("a fox\n\na whale\na owl\n", encoding="utf-8")
    proc = _easel(sim, "batch", str(src), "--provider", "demo", "--simulate", "qcode", "--quality", "low")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.splitlines()
    assert err[0] == "3 of 3 rows to send · estimate USD 0.24"              # 3 × QCode's low 1024x1024
    assert err[1] == "Demo · QCode: 3 rows, at most 2 at once on this key."
    assert err[2].startswith("batch ") and len(err[2]) == len("batch ") + 12
    lines = sorted(proc.stdout.splitlines())
    assert [ln.split()[:3] for ln in lines] == [["row", "1", "completed"], ["row", "2", "completed"],
                                                ["row", "3", "completed"]]
    assert all(ln.endswith("· USD 0.08") for ln in lines)
