"""What billing reconciliation adds to the Usage page: easel.usage.reconcile() on a large log, with the page's
default filters (the last 30 usage days, every provider).

    python benchmarks/bench_reconcile.py --db /tmp/easel-real/10m/easel.db
    python benchmarks/bench_reconcile.py --db COPY.db --inject 20000      # then with 20,000 flagged rows

The totals read the `usage_billing_daily` rollup; the row checks read the partial index `jobs_billing_suspect`,
which holds only rows that may be flagged. `--inject N` (it writes to the file: use a copy) turns N of the
range's newest completed rows into overbilled ones (reported = 2 × formula) and N / 10 of its failures into
billed ones, to time the worst case the view reads: its scan limit of candidate rows (the CLI reads them all).
Medians of --runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--inject", type=int, default=0)
    a = ap.parse_args()

    from easel.store import Store
    from easel.usage import Filters
    from easel.usage.reconcile import reconcile

    t = time.perf_counter()
    store = Store(a.db)                    # brings an older file forward (migration 22 and its backfill)
    opened = time.perf_counter() - t
    rows = store.query("SELECT COUNT(*) FROM jobs")[0][0]
    f = Filters().resolved(store)
    if a.inject:
        t = time.perf_counter()
        with store._write() as conn:
            conn.execute("UPDATE jobs SET cost_formula = cost_actual, cost_reported = 2 * cost_actual WHERE rowid IN "
                         "(SELECT rowid FROM jobs WHERE status = 'completed' AND cost_actual > 0 "
                         "ORDER BY created_at DESC LIMIT ?)", (a.inject,))
            conn.execute("UPDATE jobs SET cost_formula = 0, cost_reported = 0.04 WHERE rowid IN "
                         "(SELECT rowid FROM jobs WHERE status = 'failed' ORDER BY created_at DESC LIMIT ?)",
                         (a.inject // 10,))
        print(f"injected {a.inject:,} overbilled and {a.inject // 10:,} billed failed rows in "
              f"{time.perf_counter() - t:.1f} s")
    print(f"{rows:,} rows (opened in {opened:.1f} s), range {f.start} – {f.end}:")
    for label, limit in (("page (1,000 checked)", 1000), ("CLI (every row)", None)):
        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            rec = reconcile(store, f, scan_limit=limit)
            times.append(time.perf_counter() - t)
        print(f"  reconcile() as the {label}: median {statistics.median(times) * 1000:.1f} ms "
              f"(min {min(times) * 1000:.1f}) → {len(rec.totals)} provider-days, {len(rec.flagged):,} flagged, "
              f"{len(rec.billed_failed):,} billed but failed, {rec.unread:,} unchecked")
    store.close()


if __name__ == "__main__":
    main()
