"""Images, inputs and thumbnails in the object store: the data directory, or S3 (a real SeaweedFS over loopback).

Every test that takes `object_backend` runs on both back ends; the S3 runs read back through a separate minio
client, so a key layout or a dedup that only looks right from inside Easel fails.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from easel.core.models import ImageOut
from easel.media import thumbnails
from easel.store import Store
from easel.store.objects import CHUNK, LocalObjects, S3Objects, open_objects, redact_url

ROOT = Path(__file__).resolve().parents[2]


def png(color=(200, 30, 30), size=(640, 320)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store(easel_data_dir, object_backend):
    s = Store()
    yield s
    s.close()


def stored_keys(store: Store, s3_server=None) -> list[str]:
    """Every object's key as the back end itself lists it (not through Easel's own reads)."""
    objects = store.blobs.objects
    if isinstance(objects, S3Objects):
        names = [o.object_name for o in s3_server.client().list_objects(objects.bucket, prefix=objects.prefix + "/",
                                                                         recursive=True)]
        return sorted(n[len(objects.prefix) + 1:] for n in names)
    return sorted(str(p.relative_to(objects.root)) for p in objects.root.rglob("*")
                  if p.is_file() and p.parts[-1] != "easel.db" and not p.name.startswith("easel.db-"))


def new_job(store: Store) -> str:
    return store.create_job(provider="demo", prompt="a red fox", quality="low", size="640x320", n=1,
                            status="completed")


def test_the_back_end_is_the_one_named(store, object_backend):
    objects = store.blobs.objects
    if object_backend == "s3":
        assert isinstance(objects, S3Objects) and objects.url.startswith("s3://easel-test/t-")
    else:
        assert isinstance(objects, LocalObjects) and objects.root == store.root


def test_the_same_bytes_twice_are_one_object_under_their_content_hash(store, object_backend, request):
    data = png()
    sha = hashlib.sha256(data).hexdigest()
    first = store.add_image(new_job(store), 0, ImageOut(data=data, width=640, height=320, mime="image/png"))
    second = store.add_image(new_job(store), 0, ImageOut(data=data, width=640, height=320, mime="image/png"))
    assert first.path == second.path == f"images/{sha[:2]}/{sha}.png"
    server = request.getfixturevalue("s3_server") if object_backend == "s3" else None
    assert stored_keys(store, server) == [f"images/{sha[:2]}/{sha}.png"]
    assert store.image_bytes(first) == data


def test_an_input_is_found_by_its_hash_and_a_missing_one_says_so(store):
    data = png((10, 200, 10), (32, 32))
    sha = store.save_input(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.blobs.find("inputs", sha) == f"inputs/{sha[:2]}/{sha}.png"
    assert store.load_input(sha) == data
    gone = "0" * 64
    assert store.blobs.find("inputs", gone) is None
    with pytest.raises(FileNotFoundError, match="input 000000000000… is no longer in the object store"):
        store.load_input(gone)


def test_a_missing_object_is_file_not_found_in_either_back_end(store):
    with pytest.raises(FileNotFoundError):
        store.blobs.read("images/00/nothing.png")
    with pytest.raises(FileNotFoundError):
        store.blobs.open("images/00/nothing.png")


def test_an_object_is_read_as_a_stream_in_pieces(store):
    data = os.urandom(3 * CHUNK + 123)
    sha, key = store.blobs.put("images", data, "image/png")
    pieces = []
    with store.blobs.open(key) as stream:
        while piece := stream.read(CHUNK):
            pieces.append(len(piece))
            assert len(piece) <= CHUNK
    assert sum(pieces) == len(data) and len(pieces) >= 4
    assert hashlib.sha256(store.blobs.read(key)).hexdigest() == sha


def test_thumbnails_are_stored_once_beside_the_images_and_read_back(store, object_backend, request):
    row = store.add_image(new_job(store), 0, ImageOut(data=png(), width=640, height=320, mime="image/png"))
    assert thumbnails.make_thumbnails(store, row.job_id) == 1
    server = request.getfixturevalue("s3_server") if object_backend == "s3" else None
    keys = stored_keys(store, server)
    assert [k for k in keys if k.startswith("thumbs/")] == sorted(f"thumbs/{row.sha256}-{side}.jpg"
                                                                 for side in thumbnails.SIZES)
    thumb = thumbnails.thumbnail(store, row, thumbnails.TILE_SIDE)
    assert thumb.mime == "image/jpeg" and thumb.format == "JPEG"
    with Image.open(io.BytesIO(thumb.data)) as img:
        assert img.size == (288, 144)
    assert thumb.data == store.blobs.read(f"thumbs/{row.sha256}-288.jpg")      # read, not made again


def test_a_demo_generation_on_s3_is_read_back_with_the_same_hash(sim, s3_bucket, s3_server, easel_data_dir):
    from easel.jobs.job_service import JobService
    from easel.providers.catalog import get_profile, simulated_profile
    from easel.providers.client import ProviderClient
    from easel.providers.request import ImageRequest

    svc = JobService(Store())
    client = ProviderClient(simulated_profile(get_profile("demo"), sim.url), "sk-test-s3-0123456789")
    try:
        job = svc.submit(client, ImageRequest(prompt="a lighthouse on S3", size="1024x1024", quality="low"))
        assert svc.wait(job, timeout=60).status == "completed"
        [row] = svc.store.list_images(job_id=job)
        data = svc.store.image_bytes(row)
        assert hashlib.sha256(data).hexdigest() == row.sha256
        # The object is in the bucket under the prefix and its content hash, read here by another client.
        raw = s3_server.client().get_object("easel-test", f"{s3_bucket.split('/', 3)[3]}/{row.path}")
        try:
            assert hashlib.sha256(raw.read()).hexdigest() == row.sha256
        finally:
            raw.close()
            raw.release_conn()
        assert not (easel_data_dir / "images").exists()        # nothing went to the local data directory
    finally:
        client.close()
        svc.close()


def test_the_cli_names_an_s3_image_by_its_url(sim, s3_bucket):
    env = {**os.environ, "EASEL_SIMULATOR_URL": sim.url}
    proc = subprocess.run([sys.executable, "-m", "easel.cli", "generate", "--provider", "demo", "--prompt", "a fox",
                           "--json"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [image] = json.loads(proc.stdout)["images"]
    sha = image["path"].rsplit("/", 1)[1].split(".")[0]
    assert image["path"] == f"{s3_bucket}/images/{sha[:2]}/{sha}.png"


def test_generate_out_streams_the_image_from_s3_into_a_stamped_png(sim, s3_bucket, tmp_path):
    env = {**os.environ, "EASEL_SIMULATOR_URL": sim.url}
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "easel.cli", "generate", "--provider", "demo", "--prompt",
                           "a fox in the snow", "--json", "--out", str(out)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [image] = json.loads(proc.stdout)["images"]
    with Image.open(image["path"]) as img:
        assert img.size == (1024, 1024) and img.text["parameters"].startswith("a fox in the snow\n")


def test_credentials_come_from_secrets_toml_before_the_environment(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[s3]\nendpoint_url = "http://127.0.0.1:9"\naccess_key_id = "from-file"\n'
                       'secret_access_key = "file-secret-value"\nregion = "eu-west-1"\n')
    monkeypatch.setenv("EASEL_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret-value")
    objects = open_objects(tmp_path, "s3://team-bucket/easel/")
    assert isinstance(objects, S3Objects)
    assert (objects.url, objects.endpoint) == ("s3://team-bucket/easel", "http://127.0.0.1:9")
    assert objects._client._provider.retrieve().access_key == "from-file"
    assert "file-secret-value" not in repr(objects) and "file-secret-value" not in objects.url


@pytest.mark.parametrize("url, shown", [
    ("postgresql://easel:hunter2@db.local:5432/easel", "postgresql://easel:***@db.local:5432/easel"),
    ("postgresql://easel@db.local/easel", "postgresql://easel@db.local/easel"),
    ("postgresql://db.local/easel?user=e&password=hunter2", "postgresql://db.local/easel?user=e&password=***"),
    ("s3://AKIAKEY:topsecret@bucket/prefix", "s3://AKIAKEY:***@bucket/prefix"),
])
def test_urls_are_shown_without_their_password(url, shown):
    assert redact_url(url) == shown


def test_s3_thumbnails_are_read_from_the_bucket_once_per_process(s3_bucket, monkeypatch):
    store = Store()
    row = store.add_image(new_job(store), 0, ImageOut(data=png(), width=640, height=320, mime="image/png"))
    objects = store.blobs.objects
    gets = []
    original = objects._client.get_object
    monkeypatch.setattr(objects._client, "get_object", lambda bucket, name, *a, **k: gets.append(name)
                        or original(bucket, name, *a, **k))
    first = thumbnails.thumbnail(store, row)          # made: two misses, the image read once, the thumbnail written
    prefix = objects.prefix
    assert gets == [f"{prefix}/thumbs/{row.sha256}-384.jpg", f"{prefix}/thumbs/{row.sha256}-384.png",
                    f"{prefix}/{row.path}"]
    gets.clear()
    for _ in range(3):
        assert thumbnails.thumbnail(store, row) == first
    assert gets == []                                   # a page rerun asks the bucket nothing
    assert Store().blobs.read(f"thumbs/{row.sha256}-384.jpg") == first.data     # another process reads it there
