"""Peak memory of the streamed exports: "Download all (ZIP)" and the usage CSV, at two sizes each.

    python benchmarks/export_memory.py zip --sizes 500 10000 [--side 192]
    python benchmarks/export_memory.py csv --sizes 1000000 10000000

For each size a throwaway data directory is filled first (photo-like images: a smooth random field with
detail and noise, so PNG cannot shrink them; or seeded usage rows from easel/usage/seed.py, every prompt
unique), then a fresh child process imports Easel, notes its resident memory, writes the export to a
temporary file and reports:

- peak RSS growth: the process's high-water mark (VmHWM) after the export minus its RSS before it, in MB;
- tracemalloc peak: the largest amount of Python memory the export held at once, in MB;
- the export's size on disk and the time it took (a time on this shared machine: noisy).

The figure that matters is how the peak moves from the small size to the large one: flat means streamed.
The CSV benchmark loads the rows with `generate_rows` and one executemany per 250,000 rows but leaves the
usage rollups empty (the export reads `jobs` only), which keeps a 10M-row log to minutes instead of an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, isolated_data_dir

CHUNK = 250_000


# --- filling a data directory --------------------------------------------------------------------------
def photo_like_png(rng, side: int) -> bytes:
    """A smooth random field (upsampled coarse noise, like light and shapes) plus fine noise (like grain)."""
    import io

    import numpy as np
    from PIL import Image

    coarse = rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(coarse).resize((side, side), Image.BICUBIC), dtype=np.int16)
    grain = rng.normal(0, 18, (side, side, 3))
    pixels = np.clip(base + grain, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def fill_images(count: int, side: int) -> int:
    import numpy as np

    from easel.core.models import ImageOut
    from easel.store import Store

    store = Store()
    rng = np.random.default_rng(7)
    total = 0
    providers = ("demo", "icodeeasy", "qcode", "gccai", "openai-hk")
    for i in range(count):
        data = photo_like_png(rng, side)
        total += len(data)
        job = store.create_job(provider=providers[i % len(providers)], status="completed", size=f"{side}x{side}",
                               prompt=f"photo {i}: a harbour at dusk, seen from the hill, variation {i * 7919 % 10007}",
                               params={"prompt": f"photo {i}", "size": f"{side}x{side}", "quality": "medium"})
        store.add_image(job, 0, ImageOut(data=data, width=side, height=side, mime="image/png"))
    store.close()
    return total


def fill_rows(count: int) -> None:
    from easel.store import Store
    from easel.usage import seed as usage_seed

    store = Store()
    cols = usage_seed.COLUMNS
    sql = f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    p = cols.index("prompt")
    done = 0
    while done < count:
        n = min(CHUNK, count - done)
        rows = usage_seed.generate_rows(n, days=90, seed=done)
        # Every prompt unique, as a real team's are (the seed repeats a pool of 240 for its charts).
        rows = [r[:p] + (f"{r[p]} #{done + i}",) + r[p + 1:] for i, r in enumerate(rows)]
        with store._write() as conn:
            conn.execute("UPDATE usage_config SET bulk = 1 WHERE id = 1")     # rollup triggers off
            conn.executemany(sql, rows)
            conn.execute("UPDATE usage_config SET bulk = 0 WHERE id = 1")
        done += n
    with store.reading() as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


# --- the measurement, in a fresh process -----------------------------------------------------------------
def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024            # kB → MB
    return float("nan")


def measure(kind: str, trace: bool) -> None:
    import tempfile
    import tracemalloc

    from easel import usage
    from easel.store import Store
    from easel.store import zip_export

    store = Store()
    store.query("SELECT 1")
    before = _status("VmRSS")
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        if kind == "zip":
            count = zip_export.write_zip(store, f).images
        else:
            import io

            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            count = usage.write_csv(store, text)
            text.flush()
            text.detach()
        size = f.seek(0, os.SEEK_END)
    seconds = time.perf_counter() - t0
    py_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    tracemalloc.stop()
    print(json.dumps({"count": count, "rss_before_mb": before, "rss_growth_mb": _status("VmHWM") - before,
                      "tracemalloc_peak_mb": py_peak, "file_mb": size / 2**20, "seconds": seconds}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("zip", "csv", "_measure-zip", "_measure-csv"))
    ap.add_argument("--sizes", type=int, nargs="+", default=None)
    ap.add_argument("--side", type=int, default=192, help="image side in pixels (zip)")
    ap.add_argument("--tracemalloc", action=argparse.BooleanOptionalAction, default=None,
                    help="also trace Python allocations (default: on for zip; off for csv, where it slows the "
                         "row loop about 7×)")
    a = ap.parse_args()
    trace = a.tracemalloc if a.tracemalloc is not None else a.kind.endswith("zip")
    if a.kind.startswith("_measure-"):
        measure(a.kind.removeprefix("_measure-"), trace)
        return
    sizes = a.sizes or ([500, 10_000] if a.kind == "zip" else [1_000_000, 10_000_000])
    results = []
    for size in sizes:
        with isolated_data_dir(prefix=f"easel-export-{a.kind}-"):
            t0 = time.perf_counter()
            extra = ""
            if a.kind == "zip":
                extra = f", {fill_images(size, a.side) / 2**20:.0f} MB of {a.side}² photo-like PNGs"
            else:
                fill_rows(size)
            print(f"{a.kind} {size:,}: filled in {time.perf_counter() - t0:.0f} s{extra}", flush=True)
            proc = subprocess.run([sys.executable, __file__, f"_measure-{a.kind}",
                                   "--tracemalloc" if trace else "--no-tracemalloc"], capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append((size, r))
            traced = "" if r["tracemalloc_peak_mb"] is None else f", tracemalloc peak {r['tracemalloc_peak_mb']:.1f} MB"
            print(f"{a.kind} {size:,}: {r['count']:,} written, {r['file_mb']:,.0f} MB file in {r['seconds']:.1f} s; "
                  f"peak RSS +{r['rss_growth_mb']:.1f} MB over {r['rss_before_mb']:.0f} MB before{traced}",
                  flush=True)
    if len(results) > 1:
        (s0, r0), (s1, r1) = results[0], results[-1]
        unit = "images" if a.kind == "zip" else "rows"
        traced = "" if not trace else (
            f", tracemalloc peak ×{r1['tracemalloc_peak_mb'] / r0['tracemalloc_peak_mb']:.1f} "
            f"({r0['tracemalloc_peak_mb']:.1f} → {r1['tracemalloc_peak_mb']:.1f} MB)")
        print(f"{s1 / s0:.0f}× the {unit}: file ×{r1['file_mb'] / r0['file_mb']:.1f}, "
              f"peak RSS growth ×{r1['rss_growth_mb'] / max(r0['rss_growth_mb'], 0.1):.1f} "
              f"({r0['rss_growth_mb']:.1f} → {r1['rss_growth_mb']:.1f} MB){traced}")


if __name__ == "__main__":
    main()
