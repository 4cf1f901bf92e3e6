"""What a page pays to read a Gallery page's 48 thumbnails from the object store: local files or S3.

    python benchmarks/bench_object_reads.py                                    # the data directory
    python benchmarks/with_s3.py python benchmarks/bench_object_reads.py       # SeaweedFS on loopback

Makes 48 photo-like 1024² images and their thumbnails in the configured store (EASEL_OBJECT_STORE), then times
reading the 48 Gallery tiles (288 px) `--runs` times:
  cold   through a new Store each run: on S3 one GET per tile (a replica that has not shown them yet)
  warm   through one Store: what every later rerun of the page pays (on S3, the process's thumbnail cache)
Prints the medians in ms and cold ÷ warm; this machine is shared, so compare the back ends by their ratios.
"""

from __future__ import annotations

import argparse
import time

from _common import isolated_data_dir, median

TILES = 48


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    with isolated_data_dir(prefix="easel-bench-objects-"):
        from export_memory import photo_like_png
        import numpy as np

        from easel.core.models import ImageOut
        from easel.media import thumbnails
        from easel.store import Store

        store = Store()
        rng = np.random.default_rng(19)
        rows = []
        for i in range(TILES):
            job = store.create_job(provider="demo", prompt=f"tile {i}", status="completed", size="1024x1024")
            rows.append(store.add_image(job, 0, ImageOut(data=photo_like_png(rng, 1024), width=1024, height=1024,
                                                         mime="image/png")))
            thumbnails.make_thumbnails(store, job)
        print(f"objects: {store.blobs.url.split(':', 1)[0]}; {TILES} tiles of "
              f"{sum(len(thumbnails.thumbnail_bytes(store, r, thumbnails.TILE_SIDE)) for r in rows) / 1024:.0f} KB")

        def read_all(s) -> float:
            t0 = time.perf_counter()
            for r in rows:
                thumbnails.thumbnail(s, r, thumbnails.TILE_SIDE)
            return (time.perf_counter() - t0) * 1000

        cold, warm = [], []
        steady = Store()
        read_all(steady)
        for _ in range(a.runs):
            fresh = Store()
            cold.append(read_all(fresh))
            fresh.close()
            warm.append(read_all(steady))
        c, w = median(cold), median(warm)
        print(f"cold {c:.2f} ms · warm {w:.2f} ms · cold ÷ warm ×{c / w:.1f}  (48 tiles, median of {a.runs})")


if __name__ == "__main__":
    main()
