"""Comparisons in the store (migration 21): one row per comparison, one per column, and image tags.

A column's results are its job's (an ordinary job carrying `jobs.comparison_id`); the column row only says which
job it shows now, so a rerun replaces a column's result without losing the old job from the usage log.
The winner is a tag on the image (`image_tags`, tag 'winner'), which the gallery filters by.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from easel.core import identity

__all__ = ["ComparisonRow", "ColumnRow", "WINNER_TAG", "comparison_jobs", "create_comparison", "add_column", "set_column_job",
           "get_comparison", "list_columns", "list_comparisons", "set_winner", "image_tags",
           "set_comparison_shared"]

WINNER_TAG = "winner"


@dataclass
class ComparisonRow:
    id: str
    created_at: float
    prompt: str
    settings: dict = field(default_factory=dict)
    session_id: str | None = None
    winner_image_id: int | None = None
    owner: str = ""                 # whose comparison it is ("" = the single user's, the team's)
    shared: int = 0                 # 1: its owner shared it (and its columns' jobs) with the team


@dataclass
class ColumnRow:
    comparison_id: str
    idx: int
    target: str
    label: str
    plan: dict
    job_id: str | None
    error_code: str | None = None
    error_message: str | None = None


def create_comparison(store, *, prompt: str, settings: dict, session_id: str | None = None,
                      comparison_id: str | None = None) -> str:
    cid = comparison_id or uuid.uuid4().hex[:12]
    with store._write() as conn:
        conn.execute("INSERT INTO comparisons (id, created_at, prompt, settings_json, session_id, owner) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (cid, time.time(), prompt, json.dumps(settings, ensure_ascii=False),
                                                   session_id, identity.owner_id()))
    return cid


def add_column(store, comparison_id: str, idx: int, *, target: str, label: str, plan: dict, job_id: str | None,
               error_code: str | None = None, error_message: str | None = None) -> None:
    with store._write() as conn:
        conn.execute("INSERT INTO comparison_columns (comparison_id, idx, target, label, plan_json, job_id, error_code, "
                     "error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (comparison_id, idx, target, label, json.dumps(plan, ensure_ascii=False), job_id, error_code,
                      error_message))


def set_column_job(store, comparison_id: str, idx: int, job_id: str | None, *, error_code: str | None = None,
                   error_message: str | None = None) -> bool:
    """Point a column at a new job (a rerun), or record why it could not be sent. A rerun of a comparison its
    owner shared is shared with it, so the team sees the column's new result."""
    with store._write() as conn:
        changed = conn.execute("UPDATE comparison_columns SET job_id = ?, error_code = ?, error_message = ? "
                               "WHERE comparison_id = ? AND idx = ?",
                               (job_id, error_code, error_message, comparison_id, idx)).rowcount == 1
        if job_id is not None:
            conn.execute("UPDATE jobs SET shared = 1 WHERE id = ? AND comparison_id = ? AND EXISTS (SELECT 1 FROM "
                         "comparisons c WHERE c.id = ? AND c.shared = 1 AND c.owner = jobs.owner)",
                         (job_id, comparison_id, comparison_id))
    return changed


def _seen(store) -> tuple[str, list]:
    """The viewer's condition on comparisons (their own owner and shared flag), " AND (...)" or ""."""
    clause, args = identity.visible_sql(getattr(store, "viewer", None), "comparisons")
    return (f" AND {clause}", args) if clause else ("", [])


def get_comparison(store, comparison_id: str) -> ComparisonRow | None:
    """The comparison, or None when there is none or the viewer may not read it (the same answer)."""
    seen, args = _seen(store)
    rows = store.query(f"SELECT * FROM comparisons WHERE id = ?{seen}", (comparison_id, *args))
    if not rows:
        return None
    r = rows[0]
    return ComparisonRow(r["id"], r["created_at"], r["prompt"], json.loads(r["settings_json"] or "{}"),
                         r["session_id"], r["winner_image_id"], r["owner"], int(r["shared"]))


def list_comparisons(store, *, limit: int = 20) -> list[ComparisonRow]:
    seen, args = _seen(store)
    rows = store.query(f"SELECT id FROM comparisons WHERE true{seen} ORDER BY created_at DESC LIMIT ?",
                       (*args, limit))
    return [c for r in rows if (c := get_comparison(store, r[0])) is not None]


def set_comparison_shared(store, comparison_id: str, shared: bool) -> bool:
    """Share a comparison with the team (or take it back), with its columns' jobs (reruns included), so the
    team sees its results too. Only its owner may; False for another person's or a missing one, alike."""
    owner = store.acting_id()
    with store._write() as conn:
        changed = conn.execute("UPDATE comparisons SET shared = ? WHERE id = ? AND owner = ?",
                               (int(bool(shared)), comparison_id, owner)).rowcount == 1
        if changed:
            conn.execute("UPDATE jobs SET shared = ? WHERE comparison_id = ? AND owner = ?",
                         (int(bool(shared)), comparison_id, owner))
    return changed


def list_columns(store, comparison_id: str) -> list[ColumnRow]:
    if get_comparison(store, comparison_id) is None:
        return []
    rows = store.query("SELECT * FROM comparison_columns WHERE comparison_id = ? ORDER BY idx", (comparison_id,))
    return [ColumnRow(r["comparison_id"], r["idx"], r["target"], r["label"], json.loads(r["plan_json"] or "{}"),
                      r["job_id"], r["error_code"], r["error_message"]) for r in rows]


def comparison_jobs(store, comparison_id: str, *, limit: int = 100):
    """Every job of a comparison, reruns included, newest first (the Tasks page's `?comparison=` view)."""
    from easel.store.rows import JobRow

    seen, args = store.visible()
    rows = store.query(f"SELECT * FROM jobs WHERE comparison_id = ?{seen} ORDER BY created_at DESC, rowid DESC LIMIT ?",
                       (comparison_id, *args, limit))
    return JobRow.from_rows(rows)


def set_winner(store, comparison_id: str, image_id: int) -> None:
    """Make `image_id` the comparison's winner: tagged 'winner' in the gallery, the previous winner untagged."""
    now = time.time()
    if get_comparison(store, comparison_id) is None or store.get_image(image_id) is None:
        raise KeyError(f"no comparison {comparison_id}")
    with store._write() as conn:
        old = conn.execute("SELECT winner_image_id FROM comparisons WHERE id = ?", (comparison_id,)).fetchone()
        if old is None:
            raise KeyError(f"no comparison {comparison_id}")
        if old[0] is not None and old[0] != image_id:
            conn.execute("DELETE FROM image_tags WHERE image_id = ? AND tag = ?", (old[0], WINNER_TAG))
        conn.execute("UPDATE comparisons SET winner_image_id = ? WHERE id = ?", (image_id, comparison_id))
        conn.execute("INSERT INTO image_tags (image_id, tag, created_at) VALUES (?, ?, ?) "
                     "ON CONFLICT (image_id, tag) DO NOTHING", (image_id, WINNER_TAG, now))


def image_tags(store, image_id: int) -> list[str]:
    return [r[0] for r in store.query("SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag", (image_id,))]
