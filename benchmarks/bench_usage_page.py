"""How long the Usage page's script takes with a 1,000,000-request usage log, against a 1,000-request one.

    python benchmarks/bench_usage_page.py --dir /tmp/easel-bench            # makes both logs if missing
    python benchmarks/bench_usage_page.py --dir /tmp/easel-bench --rows 200000 --runs 3
    python benchmarks/bench_usage_page.py --logs /tmp/easel-real/1k /tmp/easel-real/1m /tmp/easel-real/10m

`--logs` measures data directories made beforehand (e.g. `gen_usage_log.py --realistic`: every prompt unique),
each against the first; `--realistic` makes the --dir logs that way.

For each log it prints the time of easel.usage.dashboard() (every number and chart frame the page shows) and of
a whole AppTest run of pages/usage.py (widgets, SQL, Altair specs, Arrow serialisation, the request table),
after warm-up runs that pay the imports and AppTest's set-up. Figures are medians of --runs; the big/small ratio is printed
because the machine's absolute speed varies with its load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_usage_log import make_log  # noqa: E402


def _ensure(directory: Path, rows: int, days: int, realistic: bool = False) -> Path:
    db = directory / "easel.db"
    if not db.exists():
        print(f"generating {rows:,} rows in {db} …", flush=True)
        r = make_log(db, rows, days, realistic=realistic)
        print(f"  generated in {r['generate_s'] + r['insert_s']:.0f} s", flush=True)
    return directory


def _measure(directory: Path, runs: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from easel import usage
    from easel.usage.currency import load_rates
    from easel.store import Store

    os.environ["EASEL_DATA_DIR"] = str(directory)
    t = time.perf_counter()
    store = Store(directory / "easel.db")            # brings an older file forward: migrations and backfill
    opened = time.perf_counter() - t
    n = store.query("SELECT COUNT(*) FROM jobs")[0][0]
    unique = store.query("SELECT COUNT(*) FROM usage_prompts")[0][0]
    rates = load_rates(store)
    data, top = [], []
    for _ in range(runs):
        t = time.perf_counter()
        usage.dashboard(store, usage.Filters(), rates=rates)
        data.append(time.perf_counter() - t)
        t = time.perf_counter()
        usage.top_prompts(store, usage.Filters().resolved(store))
        top.append(time.perf_counter() - t)
    # One AppTest per log: its first run also pays AppTest's own per-instance set-up (a scan of installed
    # packages for components), so the script's time is read from the reruns, which execute the whole page.
    at = AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=300)
    page, first = [], None
    for i in range(runs + 1):
        t = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception}")
        if i == 0:
            first = elapsed
        else:
            page.append(elapsed)
    store.close()
    return {"rows": n, "data": statistics.median(data), "page": statistics.median(page), "page_first": first,
            "page_min": min(page), "opened": opened, "unique": unique, "top": statistics.median(top)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, help="holds big/easel.db and small/easel.db")
    ap.add_argument("--logs", type=Path, nargs="+", help="data directories to measure, the first as the baseline")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--realistic", action="store_true", help="make the --dir logs with every prompt unique")
    a = ap.parse_args()
    if a.logs:
        dirs = list(a.logs)
    elif a.dir:
        dirs = [_ensure(a.dir / "small", a.small, a.days, a.realistic), _ensure(a.dir / "big", a.rows, a.days,
                                                                               a.realistic)]
    else:
        ap.error("give --dir or --logs")

    from streamlit.testing.v1 import AppTest

    os.environ["EASEL_DATA_DIR"] = str(dirs[0])
    AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=300).run()      # imports, once

    res = [_measure(d, a.runs) for d in dirs]
    for r in res:
        print(f"{r['rows']:>10,} requests ({r['unique']:,} distinct prompts; opened in {r['opened']:.1f} s): "
              f"dashboard() {r['data'] * 1000:6.0f} ms, top prompts {r['top'] * 1000:5.1f} ms | page script run "
              f"median {r['page'] * 1000:6.0f} ms (min {r['page_min'] * 1000:.0f}, first {r['page_first'] * 1000:.0f})")
    base = res[0]
    for r in res[1:]:
        print(f"ratio {r['rows']:,} / {base['rows']:,}: dashboard() ×{r['data'] / base['data']:.2f}, "
              f"page ×{r['page'] / base['page']:.2f}")
    big = res[-1]
    print(f"budget: page script run under 1 s at {big['rows']:,} rows: "
          f"{'yes' if big['page'] < 1 else 'NO'} ({big['page']:.2f} s)")


if __name__ == "__main__":
    main()
