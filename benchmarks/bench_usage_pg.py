"""The Usage page's script time with a large usage log on PostgreSQL, against a 1,000-request one.

    python benchmarks/bench_usage_pg.py --rows 10000000 --runs 3       # --small 1000 --days 90 --realistic

The same measure as bench_usage_page.py (easel.usage.dashboard() and a whole AppTest run of pages/usage.py,
medians of --runs after a warm-up), with EASEL_DATABASE_URL pointing at a real PostgreSQL server this script starts
in a temporary folder (tests/pg_server.py) and stops at the end. Each log is generated into a database of its own
(gen_usage_log.make_log: bulk insert, then one merge into the rollups); the generation time is printed too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_usage_page import _measure  # noqa: E402
from gen_usage_log import make_log  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=1_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--realistic", action="store_true", help="every prompt unique")
    a = ap.parse_args()

    from streamlit.testing.v1 import AppTest
    from tests.pg_server import PgServer

    server = PgServer().start()
    work = Path(tempfile.mkdtemp(prefix="easel-usage-pg-"))
    try:
        dirs = []
        for name, rows in (("small", a.small), ("big", a.rows)):
            url = server.new_database()
            os.environ["EASEL_DATABASE_URL"] = url
            directory = work / name
            t = time.perf_counter()
            make_log(directory / "easel.db", rows, a.days, realistic=a.realistic)
            print(f"generated {rows:,} rows into PostgreSQL in {time.perf_counter() - t:.0f} s", flush=True)
            dirs.append((directory, url))
        os.environ["EASEL_DATA_DIR"], os.environ["EASEL_DATABASE_URL"] = str(dirs[0][0]), dirs[0][1]
        AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=600).run()      # imports, once
        res = []
        for directory, url in dirs:
            os.environ["EASEL_DATABASE_URL"] = url
            res.append(_measure(directory, a.runs))
        for r in res:
            print(f"{r['rows']:>10,} requests ({r['unique']:,} distinct prompts): dashboard() {r['data'] * 1000:6.0f} ms,"
                  f" top prompts {r['top'] * 1000:5.1f} ms | page script run median {r['page'] * 1000:6.0f} ms "
                  f"(min {r['page_min'] * 1000:.0f}, first {r['page_first'] * 1000:.0f})")
        base, big = res[0], res[-1]
        print(f"ratio {big['rows']:,} / {base['rows']:,}: dashboard() ×{big['data'] / base['data']:.2f}, "
              f"page ×{big['page'] / base['page']:.2f}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
