"""`easel store check [--json]` as a user runs it: a subprocess, the real SQLite file, a real S3 (SeaweedFS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from easel.store import Store

ROOT = Path(__file__).resolve().parents[2]


def check(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "easel.cli", "store", "check", *args], env=dict(os.environ),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def as_json(proc) -> dict:
    out = json.loads(proc.stdout)
    assert list(out) == ["database", "objects"]
    assert list(out["database"]) == ["ok", "url", "schema_version"]
    assert list(out["objects"]) == ["ok", "url"]
    return out


def test_the_local_default_is_ok_with_its_schema_version(easel_data_dir):
    version = Store().schema_version
    proc = check("--json")
    assert proc.returncode == 0, proc.stderr
    assert as_json(proc) == {
        "database": {"ok": True, "url": f"sqlite:///{easel_data_dir / 'easel.db'}", "schema_version": version},
        "objects": {"ok": True, "url": easel_data_dir.resolve().as_uri()}}
    assert proc.stderr == ""
    text = check()
    assert text.returncode == 0
    assert text.stdout.splitlines() == [f"database  ok  sqlite:///{easel_data_dir / 'easel.db'} · schema {version}",
                                        f"objects   ok  {easel_data_dir.resolve().as_uri()}"]


def test_s3_is_ok_once_its_bucket_exists(s3_bucket, s3_server):
    Store().blobs.put("images", b"\x89PNG\r\n\x1a\n first object")     # Easel makes the bucket on its first write
    proc = check("--json")
    assert proc.returncode == 0, proc.stderr
    out = as_json(proc)
    assert out["objects"] == {"ok": True, "url": s3_bucket}
    assert out["database"]["ok"] is True
    assert s3_server.secret_key not in proc.stdout + proc.stderr


def test_a_missing_bucket_fails_with_its_s3_code(s3_server, monkeypatch):
    url = s3_server.env(monkeypatch, "easel-no-such-bucket", "team")
    proc = check("--json")
    assert proc.returncode == 1
    assert as_json(proc)["objects"] == {"ok": False, "url": url}
    assert proc.stderr.splitlines() == [
        f"Error: objects: NoSuchBucket: bucket 'easel-no-such-bucket' does not exist at {s3_server.endpoint} "
        "(Easel makes it on the first image it stores)"]


def test_a_wrong_secret_is_refused_and_never_printed(s3_bucket, s3_server, monkeypatch):
    Store().blobs.put("images", b"made with the right key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789")
    proc = check("--json")
    assert proc.returncode == 1
    assert as_json(proc)["objects"]["ok"] is False
    [line] = proc.stderr.splitlines()
    assert line.startswith("Error: objects: AccessDenied: ") or line.startswith("Error: objects: SignatureDoesNotMatch: ")
    assert "not-the-secret" not in proc.stdout + proc.stderr


def test_an_unreachable_endpoint_fails_in_one_line(s3_server, monkeypatch):
    s3_server.env(monkeypatch, "easel-test", "team")
    monkeypatch.setenv("EASEL_S3_ENDPOINT_URL", "http://127.0.0.1:1")
    proc = check()
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[1] == "objects   FAILED  s3://easel-test/team"
    assert proc.stderr.splitlines() == ["Error: objects: unreachable: checking the bucket: http://127.0.0.1:1 could "
                                        "not be reached (Connection refused)"]


def test_a_postgresql_url_that_cannot_be_opened_fails_with_the_password_hidden(monkeypatch):
    monkeypatch.setenv("EASEL_DATABASE_URL", "postgresql://easel:hunter2-secret@127.0.0.1:1/easel")
    proc = check("--json")
    assert proc.returncode == 1
    out = as_json(proc)
    assert out["database"] == {"ok": False, "url": "postgresql://easel:***@127.0.0.1:1/easel", "schema_version": None}
    assert out["objects"]["ok"] is True
    [line] = proc.stderr.splitlines()
    assert line.startswith("Error: database: ")
    assert "hunter2" not in proc.stdout + proc.stderr
