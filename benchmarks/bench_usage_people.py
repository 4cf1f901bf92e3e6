"""The Usage page per person (issue 20): one member's view, and the admin's Team view with its table per person ×
provider, against the single user's rollup path, on one log whose rows are spread over many people.

    python benchmarks/gen_usage_log.py --rows 1000000 --days 90 --realistic --owners 20 --db /tmp/easel-people/1m/easel.db
    python benchmarks/bench_usage_people.py --log /tmp/easel-people/1m --runs 5

A member's view reads her rows through easel.usage.scope (CTEs over `jobs WHERE owner = ?`, from the first day
the page needs; her rollups are built in memory on the first view and kept for reruns while her rows are unchanged,
for at most people.MIRROR_TTL_S); the single user and the admin's Team view read the trigger-kept rollups. For
each it prints the
time of easel.usage.dashboard() and of a whole AppTest run of pages/usage.py (after a warm-up run), medians of
--runs, and the ratios to the single user's, since the machine's absolute speed varies with its load.
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


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", type=Path, required=True, help="a data directory made with gen_usage_log.py --owners")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    os.environ["EASEL_DATA_DIR"] = str(a.log)

    from streamlit.testing.v1 import AppTest

    from easel import usage
    from easel.core import identity
    from easel.store import Store
    from easel.usage import people
    from easel.usage.currency import load_rates

    store = Store(a.log / "easel.db")
    n = store.query("SELECT COUNT(*) FROM jobs")[0][0]
    owners = people.people(store)
    member = owners[0]
    mine = store.query("SELECT COUNT(*) FROM jobs WHERE owner = ?", (member,))[0][0]
    rates = load_rates(store)
    f = usage.Filters().resolved(store)

    def scoped():
        people.clear_mirrors()          # a first view: her rollups built from her rows
        return people.scope_for(store, member, f, earliest=usage.earliest_day(store, f))

    data = {
        "single user (rollups)": _median(lambda: usage.dashboard(store, f, rates=rates), a.runs),
        "member (own rows)": _median(lambda: usage.dashboard(scoped(), f, rates=rates), a.runs),
        "admin's People table": _median(lambda: people.per_person(store, f, rates=rates), a.runs),
    }

    def page(who, state=None, *, fresh: bool = False) -> float:
        identity.set_person_resolver((lambda: who) if who is not None else None)
        at = AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=300)
        for k, v in (state or {}).items():
            at.session_state[k] = v
        at.run()                                   # warm-up: AppTest's set-up and the imports
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception}")

        def rerun():
            if fresh:
                people.clear_mirrors()
            at.run()
            if at.exception:
                raise SystemExit(f"the page raised: {at.exception}")
        return _median(rerun, a.runs)

    pages = {
        "single user (rollups)": page(None),
        "member, first view": page(identity.Person(member, member, False), fresh=True),
        "member, rerun (rollups kept)": page(identity.Person(member, member, False)),
        "admin, Team view + People tab": page(identity.Person("admin@example.com", "admin", True),
                                              {"easel.usage.view": "team"}),
    }
    identity.set_person_resolver(None)
    print(f"{n:,} requests over {len(owners)} people; the member has {mine:,}")
    base = data["single user (rollups)"]
    for k, v in data.items():
        print(f"  dashboard data, {k:<32} {v * 1000:7.0f} ms  ×{v / base:.2f}")
    base = pages["single user (rollups)"]
    for k, v in pages.items():
        print(f"  page script run, {k:<31} {v * 1000:7.0f} ms  ×{v / base:.2f}")
    store.close()


if __name__ == "__main__":
    main()
