"""Make a large simulated usage log fast: generated rows, one executemany, one transaction, one rollup merge.

    python benchmarks/gen_usage_log.py --rows 1000000 --days 90 --db /tmp/easel-bench/easel.db
    python benchmarks/gen_usage_log.py --rows 1000000 --days 90 --realistic --db /tmp/easel-real/1m/easel.db

`--realistic`: every prompt unique (a team's real log), instead of the demo seed's pool of 240.
`--owners N`: the rows spread over N people (person0@example.com …, by row number), as a team's log with sign-in.

Prints the time to generate, to insert (rollups included) and the resulting table sizes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from easel.usage import seed as usage_seed  # noqa: E402
from easel.store import Store  # noqa: E402


def make_log(db: Path, rows: int, days: int, seed: int = 0, chunk: int = 250_000,
             realistic: bool = False, owners: int = 0) -> dict[str, float]:
    db.parent.mkdir(parents=True, exist_ok=True)
    store = Store(db)
    gen = ins = 0.0
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        t0 = time.perf_counter()
        batch = usage_seed.generate_rows(n, days=days, seed=seed + done, unique_prompts=realistic)
        t1 = time.perf_counter()
        before = store.query("SELECT COALESCE(MAX(rowid), 0) FROM jobs")[0][0]
        usage_seed.bulk_insert(store, batch)
        if owners:      # no rollup reads the owner: a plain UPDATE, no trigger fires
            with store._write() as conn:
                conn.execute("UPDATE jobs SET owner = 'person' || CAST(rowid % ? AS TEXT) || '@example.com' "
                             "WHERE rowid > ?", (owners, before))
        t2 = time.perf_counter()
        gen, ins, done = gen + t1 - t0, ins + t2 - t1, done + n
    sizes = {t: store.query(f"SELECT COUNT(*) FROM {t}")[0][0]
             for t in ("jobs", "usage_daily", "usage_latency", "usage_prompt_daily", "usage_prompts")}
    if store.engine == "sqlite":
        with store.reading() as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return {"generate_s": gen, "insert_s": ins, **sizes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--db", type=Path, required=True, help="SQLite file to create or extend")
    ap.add_argument("--realistic", action="store_true", help="every prompt unique")
    ap.add_argument("--owners", type=int, default=0, help="spread the rows over this many people")
    a = ap.parse_args()
    r = make_log(a.db, a.rows, a.days, a.seed, realistic=a.realistic, owners=a.owners)
    print(f"{a.rows:,} rows over {a.days} days → {a.db}")
    print(f"  generate {r['generate_s']:.1f} s, insert + rollups {r['insert_s']:.1f} s "
          f"({a.rows / max(1e-9, r['insert_s']):,.0f} rows/s)")
    print("  " + ", ".join(f"{k} {v:,}" for k, v in r.items() if not k.endswith("_s")))


if __name__ == "__main__":
    main()
