"""The least a Streamlit rerun can cost to show 48 thumbnails: the floor under the Gallery's ratio target.

    python benchmarks/bench_media_floor.py            # --runs 25 --rounds 3

One-file pages under AppTest, reran `--runs` times each, interleaved for `--rounds`:
  empty    a title and an info box (what an empty gallery draws)
  one      the title and ONE st.image call with a list of 48 cached 288 px JPEG tiles (one element)
  cells    the title and 48 st.image calls, one per tile (no buttons, captions or columns)
  grid     the title and the Gallery's grid component (components/gallery_grid.py) with 48 tiles and their
           three caption lines, as a rerun sends it: the browser tab holds the thumbnails already
  inline   the same component with the 48 thumbnails' bytes in its data on every run (what a grid that
           re-sent them each run would cost; the Gallery sends each once per session)
Every image that is not a URL goes through Streamlit's MediaFileManager on every run (read, checked by PIL,
hashed, registered), so `one ÷ empty` is the floor for any grid of 48 Streamlit-served thumbnails, before a
single button or caption; `grid ÷ empty` is the Gallery grid's own cost. Printed as ratios: this machine is
shared and its absolute times move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import median  # also puts the repository on sys.path, for the grid component

PAGE = '''
import os
import streamlit as st
st.title("Gallery")
kind, paths = os.environ["FLOOR_KIND"], sorted(os.environ["FLOOR_TILES"].split(os.pathsep))
if kind == "empty":
    st.info("No images yet.")
elif kind == "one":
    st.image(paths, output_format="JPEG")
elif kind in ("grid", "inline"):
    from components.gallery_grid import _GRID, encode
    tiles = [[i, f"{i:064x}-288", [f"a unique prompt about tile number {i}, with some detail",
                                   "demo · 1536×1024 · medium", "USD 0.042 · 7.4 s"], None] for i in range(48)]
    thumbs = {}
    if kind == "inline":
        if "jpegs" not in st.session_state:
            st.session_state["jpegs"] = [open(p, "rb").read() for p in paths]
        thumbs = {f"{i:064x}-288": (b, "image/jpeg") for i, b in enumerate(st.session_state["jpegs"])}
    _GRID(key="grid", data=encode({"columns": 6, "tiles": tiles, "thumbs": thumbs}), on_open_change=lambda: None,
          on_missing_change=lambda: None)
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

    times: dict[str, list[float]] = {"empty": [], "one": [], "cells": [], "grid": [], "inline": []}
    for _ in range(a.rounds):
        # One AppTest per kind, run in turn run by run, so a change in the machine's load hits every kind alike.
        tests = {}
        for kind in times:
            os.environ["FLOOR_KIND"] = kind
            tests[kind] = AppTest.from_file(str(page), default_timeout=60)
            tests[kind].run()
        runs: dict[str, list[float]] = {kind: [] for kind in times}
        for _ in range(a.runs):
            for kind, at in tests.items():
                os.environ["FLOOR_KIND"] = kind
                t = time.perf_counter()
                at.run()
                runs[kind].append(time.perf_counter() - t)
        for kind in times:
            times[kind].append(statistics.median(runs[kind]))
    med = {k: median(v) for k, v in times.items()}
    print(f"rerun medians: empty {med['empty'] * 1000:.1f} ms, one st.image of 48 tiles {med['one'] * 1000:.1f} ms, "
          f"48 st.image calls {med['cells'] * 1000:.1f} ms, grid component (rerun) {med['grid'] * 1000:.1f} ms, "
          f"grid component with the thumbnails inline {med['inline'] * 1000:.1f} ms")
    print(f"floor ratios: one element ÷ empty = {med['one'] / med['empty']:.2f}, "
          f"48 elements ÷ empty = {med['cells'] / med['empty']:.2f}, grid component ÷ empty = "
          f"{med['grid'] / med['empty']:.2f}, with thumbnails inline ÷ empty = {med['inline'] / med['empty']:.2f}")


if __name__ == "__main__":
    main()
