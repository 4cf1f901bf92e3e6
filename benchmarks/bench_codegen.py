"""How long 'View as code' takes to build its snippets on each page run, for an edit with a large upload.

The snippets are read back from the dialect's own request. Built with the real upload, that request carries the
whole file (as a multipart part, or base64 in a data URL for the JSON dialects); codegen builds it with short
stand-in bytes instead, since where an upload goes does not depend on its content. This prints the median time
of `codegen.snippets` against the time of building and reading back the dialect's request with the real bytes,
for a 20 MB PNG on QCode (multipart) and gccai (JSON, data URLs).

    python benchmarks/bench_codegen.py [--mb 20] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import _common  # noqa: F401  (puts the repository on sys.path)

from easel.providers import codegen
from easel.providers.catalog import BUILTIN
from easel.providers.dialects import get_dialect
from easel.providers.request import ImageInput, ImageRequest


def _timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return _common.median(times)


def _with_real_bytes(profile, req) -> None:
    request = get_dialect(profile.dialect).build_submit(profile, req, profile.base_url, async_=req.async_)
    if "json" in request.headers.get("content-type", ""):
        json.loads(request.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    data = b"\x89PNG\r\n\x1a\n" + os.urandom(args.mb * 1024 * 1024)
    for pid in ("qcode", "gccai"):
        profile = BUILTIN[pid]
        req = ImageRequest(prompt="a lighthouse", images=[ImageInput(data=data, name="a.png", mime="image/png")],
                           edit=True).resolved(profile)
        snippets = _timed(lambda: codegen.snippets(profile, req), args.runs)
        real = _timed(lambda: _with_real_bytes(profile, req), args.runs)
        print(f"{pid:6} {args.mb} MB upload: snippets {snippets * 1000:7.2f} ms · dialect request with the real bytes "
              f"{real * 1000:7.1f} ms · ratio {real / snippets:6.0f}×")


if __name__ == "__main__":
    main()
