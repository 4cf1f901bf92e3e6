"""`easel store migrate`: a laptop's store (real SQLite, images in its data directory) moved into team mode on a
real PostgreSQL and a real S3 server (SeaweedFS), verified, re-runnable, and then read by the team's own CLI."""

from __future__ import annotations

import hashlib
import json
import os


from test_cli import easel, env  # noqa: F401 - env is a fixture


def test_a_local_store_moves_to_postgresql_and_s3_verified_and_a_rerun_copies_nothing(env, pg_url, s3_bucket,
                                                                                        monkeypatch):
    creds = {k: os.environ[k] for k in ("EASEL_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                        "AWS_REGION")}
    local = {**{k: v for k, v in env.items() if k not in ("EASEL_DATABASE_URL", "EASEL_OBJECT_STORE")}, **creds}
    for prompt in ("a lighthouse at dusk", "a paper crane"):
        made = easel(local, "generate", "--provider", "qcode", "--prompt", prompt, "--quality", "low", "--json")
        assert made.returncode == 0, made.stderr
    bucket_url = s3_bucket                   # s3://bucket/prefix on the session's SeaweedFS

    first = easel(local, "store", "migrate", "--to", pg_url, "--object-store", bucket_url, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["verified"] is True and report["objects"]["bad_hashes"] == []
    assert report["tables"]["jobs"] == {"source": 2, "target": 2, "copied": 2}
    assert report["tables"]["images"]["copied"] == 2
    assert report["objects"]["copied"] >= 2 and report["objects"]["url"] == bucket_url
    assert creds["AWS_SECRET_ACCESS_KEY"] not in first.stdout + first.stderr

    again = json.loads(easel(local, "store", "migrate", "--to", pg_url, "--object-store", bucket_url,
                             "--json").stdout)
    assert again["verified"] is True
    assert all(t["copied"] == 0 for t in again["tables"].values())
    assert again["objects"]["copied"] == 0 and again["objects"]["present"] == report["objects"]["copied"]

    # The team's view: the same two jobs, from PostgreSQL, with images whose bytes come from the bucket.
    team = {**local, "EASEL_DATABASE_URL": pg_url, "EASEL_OBJECT_STORE": bucket_url}
    listed = [json.loads(line) for line in easel(team, "tasks", "list", "--json").stdout.splitlines()]
    assert sorted(j["prompt"] for j in listed) == ["a lighthouse at dusk", "a paper crane"]
    monkeypatch.setenv("EASEL_DATABASE_URL", pg_url)
    monkeypatch.setenv("EASEL_OBJECT_STORE", bucket_url)
    from easel.store import Store

    store = Store()
    rows = store.list_images()
    assert len(rows) == 2
    for row in rows:
        assert hashlib.sha256(store.blobs.read(row.path)).hexdigest() == row.sha256
    store.close()


def test_a_database_that_cannot_be_reached_fails_with_one_line_and_no_password(env):
    out = easel(env, "store", "migrate", "--to", "postgresql://easel:hunter2@127.0.0.1:1/easel")
    assert out.returncode != 0
    assert "hunter2" not in out.stdout + out.stderr and "Traceback" not in out.stderr
