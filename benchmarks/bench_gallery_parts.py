"""Where the Gallery page's rerun time goes, over the empty gallery: its SQL and its grid.

    python benchmarks/bench_gallery_parts.py            # --images 10000 --runs 150

Copies of pages/gallery.py (written to a temp dir, cut short by replacing a statement of it) rerun under
AppTest against a seeded store, and the page itself against an empty one, in turn run by run, so the machine's
load hits them all alike:
  empty     the page on an empty gallery (the ratio's denominator): both filter rows, the count, an info box
  sql       the filters, then the page's rows (and their jobs' versions) read, then st.stop(): no grid
  full      the page as it is: the grid, with the pager and the count in its one element
so sql − empty is the page's SQL and full − sql the grid component (captions, data, the element, the
lightbox check). Printed as times and as ratios to the empty gallery.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from _common import ROOT, isolated_data_dir
from bench_gallery import ScriptClock, compile_once, seed

READ = "# ‹ Prev · Page 2 of 5 · Next ›"


def variants() -> dict[str, str]:
    src = (ROOT / "pages" / "gallery.py").read_text()
    if READ not in src:
        raise SystemExit(f"pages/gallery.py changed: update this benchmark's cut ({READ!r})")
    return {"sql": src.replace(READ, f"st.stop()\n{READ}"), "full": src}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=150)
    ap.add_argument("--compile-once", action="store_true",
                    help="keep the page's compiled code between runs, as a server does (bench_gallery.compile_once)")
    a = ap.parse_args()
    if a.compile_once:
        compile_once()
    ScriptClock.install()

    from streamlit.testing.v1 import AppTest

    pages = Path(tempfile.mkdtemp(prefix="easel-parts-"))
    files = {}
    for name, src in variants().items():
        files[name] = pages / f"{name}.py"
        files[name].write_text(src)
    with contextlib.ExitStack() as stack:
        empty = stack.enter_context(isolated_data_dir())
        full = stack.enter_context(isolated_data_dir())
        from components.services import get_store

        seed(get_store(), a.images)
        runs = {"empty": (files["full"], empty), **{name: (f, full) for name, f in files.items()}}
        tests = {}
        for name, (f, data) in runs.items():
            os.environ["EASEL_DATA_DIR"] = str(data)
            tests[name] = AppTest.from_file(str(f), default_timeout=120)
            tests[name].run()
            tests[name].run()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(a.runs):
            for name, at in tests.items():
                os.environ["EASEL_DATA_DIR"] = str(runs[name][1])
                at.run()
                times[name].append(ScriptClock.last)      # the script thread's time (AppTest's wall moves in ~1 ms steps)
        for name, at in tests.items():
            if at.exception:
                raise SystemExit(f"{name}: {[e.value for e in at.exception]}")
    shutil.rmtree(pages, ignore_errors=True)
    med = {name: statistics.median(v) for name, v in times.items()}
    base = med["empty"]
    for name in runs:
        print(f"{name:8s} {med[name] * 1000:6.2f} ms  ×{med[name] / base:.2f} empty")
    print(f"parts over the empty gallery: SQL {(med['sql'] - base) * 1000:.2f} ms (×{(med['sql'] - base) / base:.2f}), "
          f"grid {(med['full'] - med['sql']) * 1000:.2f} ms (×{(med['full'] - med['sql']) / base:.2f})")


if __name__ == "__main__":
    main()
