"""Migration 22 and the `usage_billing_daily` rollup: an older file comes forward with its rows' new costs left
NULL and the rollup backfilled; the per-row triggers, a bulk load and a full rebuild all give the same sums."""

from __future__ import annotations

import random
import sqlite3
import time

import pytest

from easel.store import Store, schema
from easel.store.rollup_schema import BILLING_SUSPECT
from easel.usage import rebuild_rollups
from easel.usage import seed as usage_seed

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

COLS = "day, provider, currency, simulated, key_fingerprint, requests, estimated, estimated_n, reported, reported_n, " \
       "formula, formula_n, actual, billed_failed"


def rollup(store) -> list[tuple]:
    rows = store.query(f"SELECT {COLS} FROM usage_billing_daily ORDER BY 1, 2, 3, 4, 5")
    return [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]


def test_a_version_20_file_comes_forward_with_old_costs_left_null(easel_data_dir, monkeypatch):
    path = easel_data_dir / "easel.db"
    conn = sqlite3.connect(path, isolation_level=None)
    monkeypatch.setattr(schema, "MIGRATIONS", [m for m in schema.MIGRATIONS if m[0] <= 20])
    assert schema.migrate(conn) == 20
    now = time.time()
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, provider, status, cost_estimated, cost_actual, "
                 "currency, key_fingerprint) VALUES ('old1', ?, ?, 'qcode', 'completed', 0.211, 0.211, 'USD', 'fp')",
                 (now, now))
    conn.execute("INSERT INTO jobs (id, created_at, updated_at, provider, status, cost_estimated, cost_actual, "
                 "currency, key_fingerprint) VALUES ('old2', ?, ?, 'qcode', 'failed', 0.211, 0, 'USD', 'fp')",
                 (now, now))
    conn.close()
    monkeypatch.undo()

    store = Store(path)
    assert store.schema_version == schema.MIGRATIONS[-1][0]     # every later migration ran too
    old = store.get_job("old1")
    assert (old.cost_reported, old.cost_formula, old.cost_actual) == (None, None, 0.211)
    [(_, provider, currency, _, _, requests, est, est_n, rep, rep_n, formula, formula_n, actual, billed)] = rollup(store)
    # The failure's estimate is not counted: failures cost 0.
    assert (provider, currency, requests, est, est_n, rep_n, formula_n, actual, billed) == \
        ("qcode", "USD", 2, 0.211, 1, 0, 0, 0.211, 0)
    assert store.query(f"SELECT COUNT(*) FROM jobs INDEXED BY jobs_billing_suspect WHERE {BILLING_SUSPECT}")[0][0] == 0
    store.close()


def test_triggers_bulk_loads_and_a_rebuild_agree(easel_data_dir):
    store = Store()
    rng = random.Random(5)
    now = time.time()
    ids = []
    for i in range(300):
        provider, cur = rng.choice([("qcode", "USD"), ("gccai", "USD"), ("icodeeasy", "CNY"), ("openai-hk", "credits")])
        job = store.create_job(provider=provider, currency=cur, cost_estimated=rng.choice([None, 0.2, 0.4]),
                               key_fingerprint=rng.choice(["fp-a", "fp-b"]), simulated=rng.random() < 0.3,
                               created_at=now - rng.uniform(0, 5 * 86400))
        ids.append(job)
        status = rng.choice(["completed", "completed", "failed", "cancelled", "running"])
        rep = rng.choice([None, 0.0, 0.2, 0.4])
        store.update_job(job, status=status, cost_reported=rep, cost_formula=rng.choice([None, 0.0, 0.2]),
                         cost_actual=rng.choice([None, 0.0, 0.2]))
    for job in rng.sample(ids, 40):                 # a second change of the same rows: old sums come back out
        store.update_job(job, cost_reported=0.8, status="completed")
    with store._write() as conn:
        conn.execute("DELETE FROM jobs WHERE id IN (%s)" % ",".join("?" * 20), rng.sample(ids, 20))
    usage_seed.bulk_insert(store, usage_seed.generate_rows(500, days=5, seed=1, now=now))

    by_triggers = rollup(store)
    expected_failed = store.query(
        "SELECT COUNT(*) FROM jobs WHERE status IN ('failed', 'cancelled') AND cost_formula = 0 AND "
        "(COALESCE(cost_reported, 0) > 0 OR COALESCE(cost_actual, 0) > 0)")[0][0]
    assert sum(r[-1] for r in by_triggers) == expected_failed > 0
    assert sum(r[5] for r in by_triggers) == 300 - 20 + 500
    assert sum(r[9] for r in by_triggers) == store.query("SELECT COUNT(cost_reported) FROM jobs")[0][0]
    rebuild_rollups(store)
    assert rollup(store) == by_triggers
    store.close()


@pytest.mark.parametrize("status, rep, actual, formula, suspect", [
    ("failed", 0.04, 0.0, 0.0, True), ("cancelled", None, 0.2, 0.0, True), ("failed", 0.0, 0.0, 0.0, False),
    ("completed", 0.2, 0.2, 0.2, False), ("completed", 0.4, 0.4, 0.2, True),
    ("cancelled", None, 0.2, 0.2, False),       # cancelled while running, its images kept: billed as it should be
    ("cancelled", None, 0.2, None, False),      # before migration 22: not recorded, not judged
])
def test_the_suspect_index_holds_exactly_the_rows_that_may_be_flagged(easel_data_dir, engine, status, rep, actual,
                                                                      formula, suspect):
    store = Store()
    job = store.create_job(provider="icodeeasy", currency="CNY", cost_estimated=0.2)
    store.update_job(job, status=status, cost_reported=rep, cost_actual=actual, cost_formula=formula)
    where = f"WHERE created_at > 0 AND {BILLING_SUSPECT}"
    if engine == "sqlite":      # PostgreSQL's planner picks by statistics: a one-row table is read whole
        plan = " ".join(r[3] for r in store.query(f"EXPLAIN QUERY PLAN SELECT id FROM jobs {where}"))
        assert "USING INDEX jobs_billing_suspect" in plan, plan          # an index read, not a scan of the log
    got = [r[0] for r in store.query(f"SELECT id FROM jobs INDEXED BY jobs_billing_suspect {where}")]
    assert got == ([job] if suspect else [])
    store.close()


def test_the_suspect_condition_is_pinned_to_migration_22s_index():
    # Files made by migration 22 hold an index built from this exact text, and the reconciliation query names it
    # (INDEXED BY): a different text needs a new migration that recreates the index.
    assert BILLING_SUSPECT == (
        "((status IN ('failed', 'cancelled') AND cost_formula = 0 AND (COALESCE(cost_reported, 0) > 0 OR "
        "COALESCE(cost_actual, 0) > 0)) OR (cost_reported IS NOT NULL AND COALESCE(cost_formula, CASE WHEN "
        "provider = 'gccai' THEN cost_estimated END) IS NOT NULL AND cost_reported != COALESCE(cost_formula, CASE "
        "WHEN provider = 'gccai' THEN cost_estimated END)))")


def test_a_file_whose_index_differs_still_reconciles(easel_data_dir):
    from easel.usage import Filters
    from easel.usage.reconcile import reconcile

    store = Store()
    job = store.create_job(provider="gccai", currency="USD")
    store.update_job(job, status="failed", cost_reported=0.04, cost_formula=0.0, cost_actual=0.0)
    with store._write() as conn:
        conn.execute("DROP INDEX jobs_billing_suspect")
        conn.execute("CREATE INDEX jobs_billing_suspect ON jobs (created_at) WHERE cost_reported > 1")
    assert [r.job_id for r in reconcile(store, Filters()).billed_failed] == [job]
    store.close()


def test_a_scan_limit_checks_the_newest_rows_and_counts_the_rest(easel_data_dir):
    from easel.usage import Filters
    from easel.usage.reconcile import reconcile

    store = Store()
    now = time.time()
    jobs = []
    for i in range(5):
        job = store.create_job(provider="qcode", currency="USD", created_at=now - 100 + i)
        store.update_job(job, status="completed", cost_reported=0.422, cost_formula=0.211, cost_actual=0.422)
        jobs.append(job)
    some = reconcile(store, Filters(), scan_limit=2)
    assert [r.job_id for r in some.flagged] == [jobs[4], jobs[3]] and some.unread == 3 and not some.agrees
    every = reconcile(store, Filters(), scan_limit=None)
    assert [r.job_id for r in every.flagged] == jobs[::-1] and every.unread == 0
    assert every.flagged[0].reason == "reported USD 0.422 > formula USD 0.211 (+100%)"
    store.close()
