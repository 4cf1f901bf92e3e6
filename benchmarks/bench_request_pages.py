"""The Usage page's request table: page 1 against a page at the far end of the 30-day view, by keyset cursor
(as the page reads it) and by OFFSET (as it read it before issue 15).

    python benchmarks/bench_request_pages.py --db /tmp/easel-real/10m/easel.db

Make the log first with `gen_usage_log.py`. Times are medians of 5 (3 for OFFSET) on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import _common  # noqa: F401 - puts the repository on sys.path


def _median_ms(fn, n: int = 5) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    a = ap.parse_args()

    from easel import usage
    from easel.store import Store

    store = Store(a.db)
    f = usage.Filters().resolved(store)
    total = usage.count_requests(store, f)
    where, args = usage.jobs_where(store, f)
    deep = max(0, total - 60)
    last = store.query(f"SELECT created_at, rowid FROM jobs{where} ORDER BY created_at DESC, rowid DESC "
                       "LIMIT 1 OFFSET ?", [*args, deep])[0]
    print(f"{total:,} requests in the default 30-day view")
    print(f"keyset, page 1: {_median_ms(lambda: usage.requests_page(store, f)):.1f} ms")
    print(f"keyset, the page after row {deep:,}: "
          f"{_median_ms(lambda: usage.requests_page(store, f, before=(last[0], last[1]))):.1f} ms")
    print(f"OFFSET {deep:,} (the query before issue 15): " + "%.1f ms" % _median_ms(lambda: store.query(
        f"SELECT id FROM jobs{where} ORDER BY created_at DESC, rowid DESC LIMIT 50 OFFSET ?", [*args, deep]), n=3))


if __name__ == "__main__":
    main()
