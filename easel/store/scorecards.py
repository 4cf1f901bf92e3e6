"""Scorecard runs in the store: write a run and its checks, read each provider's latest card and history.

The tables come from migration 23 (scorecard_schema.py). A run is written before its probes go out, and
its checks when they are judged, so an interrupted run still shows what it had measured.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from easel.store.db import Store

__all__ = ["RunRow", "CheckRow", "create_run", "add_checks", "finish_run", "latest_run", "list_runs", "check_changes",
           "card_keys"]


@dataclass
class CheckRow:
    name: str
    status: str
    expected: str = ""
    got: str = ""
    why: str = ""
    job_ids: list[str] = field(default_factory=list)


@dataclass
class RunRow:
    id: str
    provider: str
    started_at: float
    finished_at: float | None
    simulated: bool
    checks_asked: list[str]
    cost_estimated: float | None
    currency: str | None
    counts: dict[str, int] = field(default_factory=dict)     # 'pass' / 'fail' / 'n/a' → how many
    checks: list[CheckRow] = field(default_factory=list)


def create_run(store: Store, provider: str, *, checks: list[str], simulated: bool, cost_estimated: float | None,
               currency: str | None, started_at: float | None = None) -> str:
    run_id = uuid.uuid4().hex
    with store._write() as conn:
        conn.execute("INSERT INTO scorecard_runs (id, provider, started_at, simulated, checks_json, cost_estimated, "
                     "currency) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (run_id, provider, time.time() if started_at is None else started_at, int(simulated),
                      json.dumps(checks), cost_estimated, currency))
    return run_id


def add_checks(store: Store, run_id: str, checks: list[CheckRow], *, first_position: int = 0) -> None:
    with store._write() as conn:
        conn.executemany(
            "INSERT INTO scorecard_checks (run_id, position, name, status, expected, got, why, job_ids_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET position = excluded.position, "
            "status = excluded.status, expected = excluded.expected, got = excluded.got, why = excluded.why, "
            "job_ids_json = excluded.job_ids_json",
            [(run_id, first_position + i, c.name, c.status, c.expected, c.got, c.why, json.dumps(c.job_ids))
             for i, c in enumerate(checks)])


def finish_run(store: Store, run_id: str, *, finished_at: float | None = None) -> None:
    with store._write() as conn:
        conn.execute("UPDATE scorecard_runs SET finished_at = ? WHERE id = ?",
                     (time.time() if finished_at is None else finished_at, run_id))


def _run(row) -> RunRow:
    return RunRow(id=row["id"], provider=row["provider"], started_at=row["started_at"], finished_at=row["finished_at"],
                  simulated=bool(row["simulated"]), checks_asked=json.loads(row["checks_json"]),
                  cost_estimated=row["cost_estimated"], currency=row["currency"])


def _checks(store: Store, run_id: str) -> list[CheckRow]:
    rows = store.query("SELECT * FROM scorecard_checks WHERE run_id = ? ORDER BY position", (run_id,))
    return [CheckRow(r["name"], r["status"], r["expected"], r["got"], r["why"], json.loads(r["job_ids_json"]))
            for r in rows]


def _sim_clause(simulated: bool | None) -> tuple[str, list]:
    # A Demo playing QCode is stored as provider "qcode", simulated: its card must not pass for the real QCode's.
    return ("", []) if simulated is None else (" AND simulated = ?", [int(simulated)])


def latest_run(store: Store, provider: str, *, simulated: bool | None = None) -> RunRow | None:
    """The provider's newest finished run with its checks (`simulated`: only simulated or only real runs)."""
    clause, extra = _sim_clause(simulated)
    rows = store.query(f"SELECT * FROM scorecard_runs WHERE provider = ? AND finished_at IS NOT NULL{clause} "
                       "ORDER BY started_at DESC LIMIT 1", (provider, *extra))
    if not rows:
        return None
    run = _run(rows[0])
    run.checks = _checks(store, run.id)
    run.counts = _count(run.checks)
    return run


def _count(checks: list[CheckRow]) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "n/a": 0}
    for c in checks:
        counts[c.status] = counts.get(c.status, 0) + 1
    return counts


def list_runs(store: Store, provider: str | None = None, *, simulated: bool | None = None,
              limit: int = 50) -> list[RunRow]:
    """Finished runs, newest first, each with its pass / fail / n/a counts (one query for the counts)."""
    where, args = "WHERE finished_at IS NOT NULL", []
    if provider is not None:
        where += " AND provider = ?"
        args.append(provider)
    clause, extra = _sim_clause(simulated)
    where += clause
    args += extra
    runs = [_run(r) for r in store.query(f"SELECT * FROM scorecard_runs {where} ORDER BY started_at DESC LIMIT ?",
                                         (*args, limit))]
    if not runs:
        return runs
    marks = ", ".join("?" for _ in runs)
    by_id = {r.id: r for r in runs}
    for r in runs:
        r.counts = {"pass": 0, "fail": 0, "n/a": 0}
    for row in store.query(f"SELECT run_id, status, COUNT(*) FROM scorecard_checks WHERE run_id IN ({marks}) "
                           "GROUP BY run_id, status", [r.id for r in runs]):
        by_id[row[0]].counts[row[1]] = row[2]
    return runs


def check_changes(store: Store, provider: str, *, simulated: bool | None = None, limit: int = 50) -> list[dict]:
    """Each time a check's status differed from its previous run's, oldest first, over the last `limit` runs:
    {"name", "at", "run_id", "from", "to", "got"}. A check's first run counts as a change from None."""
    clause, extra = _sim_clause(simulated)
    rows = store.query(
        "SELECT c.name, c.status, c.got, r.started_at, r.id FROM scorecard_checks c "
        "JOIN scorecard_runs r ON r.id = c.run_id WHERE r.id IN (SELECT id FROM scorecard_runs WHERE provider = ? "
        f"AND finished_at IS NOT NULL{clause} ORDER BY started_at DESC LIMIT ?) "
        "ORDER BY r.started_at, c.position", (provider, *extra, limit))
    last: dict[str, str] = {}
    changes = []
    for name, status, got, at, run_id in rows:
        if last.get(name) != status:
            changes.append({"name": name, "at": at, "run_id": run_id, "from": last.get(name), "to": status,
                            "got": got})
        last[name] = status
    return changes


def card_keys(store: Store) -> list[tuple[str, bool]]:
    """Every (provider, simulated) with a finished run, most recently run first."""
    rows = store.query("SELECT provider, simulated, MAX(started_at) AS last FROM scorecard_runs "
                       "WHERE finished_at IS NOT NULL GROUP BY provider, simulated ORDER BY last DESC")
    return [(r[0], bool(r[1])) for r in rows]
