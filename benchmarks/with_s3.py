"""Run any command with Easel's images on a fresh local S3 server (SeaweedFS, as the tests start it).

    python benchmarks/with_s3.py python benchmarks/export_memory.py zip --sizes 500 2000

Starts `weed server -s3` on free loopback ports with a throwaway access key (tests/s3_server.py), sets
EASEL_OBJECT_STORE=s3://easel-bench/run, EASEL_S3_ENDPOINT_URL and the AWS_* keys for the command, runs it, and
stops the server. The command's exit code is this script's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT

sys.path.insert(0, str(ROOT / "tests"))
from s3_server import start_weed, stop_weed  # noqa: E402


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="easel-bench-weed-"))
    try:
        proc, server = start_weed(work)
        try:
            env = {**os.environ, "EASEL_OBJECT_STORE": "s3://easel-bench/run", "EASEL_S3_ENDPOINT_URL": server.endpoint,
                   "AWS_ACCESS_KEY_ID": server.access_key, "AWS_SECRET_ACCESS_KEY": server.secret_key,
                   "AWS_REGION": server.region}
            return subprocess.run(sys.argv[1:], env=env, cwd=ROOT).returncode
        finally:
            stop_weed(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
