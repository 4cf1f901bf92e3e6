"""The least a Streamlit rerun can cost to show 48 thumbnails: the floor under the Gallery's ratio target.

    python benchmarks/bench_media_floor.py            # --runs 25 --rounds 3

Three one-file pages under AppTest, reran `--runs` times each, interleaved for `--rounds`:
  empty    a title and an info box (what an empty gallery draws)
  one      the title and ONE st.image call with a list of 48 cached 288 px JPEG tiles (one element)
  cells    the title and 48 st.image calls, one per tile (no buttons, captions or columns)
Every image that is not a URL goes through Streamlit's MediaFileManager on every run (read, checked by PIL,
hashed, registered), so `one ÷ empty` is the floor for any grid of 48 Streamlit-served thumbnails, before a
single button or caption. Printed as ratios: this machine is shared and its absolute times move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import median

PAGE = '''
import os
import streamlit as st
st.title("Gallery")
kind, paths = os.environ["FLOOR_KIND"], sorted(os.environ["FLOOR_TILES"].split(os.pathsep))
if kind == "empty":
    st.info("No images yet.")
elif kind == "one":
    st.image(paths, output_format="JPEG")
else:
    for p in paths:
        st.image(p, output_format="JPEG")
'''


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    import numpy as np
    from PIL import Image
    from streamlit.testing.v1 import AppTest

    tmp = Path(tempfile.mkdtemp(prefix="easel-floor-"))
    tiles = []
    for i in range(48):
        noise = np.random.default_rng(i).integers(0, 256, (288, 288, 3), dtype=np.uint8)
        tiles.append(tmp / f"{i:02d}.jpg")
        Image.fromarray(noise).save(tiles[-1], "JPEG", quality=75)
    page = tmp / "page.py"
    page.write_text(PAGE)
    os.environ["FLOOR_TILES"] = os.pathsep.join(str(t) for t in tiles)

    times: dict[str, list[float]] = {"empty": [], "one": [], "cells": []}
    for _ in range(a.rounds):
        for kind in times:
            os.environ["FLOOR_KIND"] = kind
            at = AppTest.from_file(str(page), default_timeout=60)
            at.run()
            runs = []
            for _ in range(a.runs):
                t = time.perf_counter()
                at.run()
                runs.append(time.perf_counter() - t)
            times[kind].append(statistics.median(runs))
    med = {k: median(v) for k, v in times.items()}
    print(f"rerun medians: empty {med['empty'] * 1000:.1f} ms, one st.image of 48 tiles {med['one'] * 1000:.1f} ms, "
          f"48 st.image calls {med['cells'] * 1000:.1f} ms")
    print(f"floor ratios: one element ÷ empty = {med['one'] / med['empty']:.1f}, "
          f"48 elements ÷ empty = {med['cells'] / med['empty']:.1f}")


if __name__ == "__main__":
    main()
