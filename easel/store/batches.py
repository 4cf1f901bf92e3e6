"""Batches in the store (migration 25): one row per batch, one per prompt, and `jobs.batch_id`.

A row is `invalid` (it broke a rule; never sent), `waiting` (to be sent when its key has a free slot and quota),
`sent` (its job, an ordinary job carrying `jobs.batch_id`, says the rest) or `not_sent` (the send itself was
refused). The dispatcher (easel.batch.dispatcher) moves rows from waiting to sent; a retry puts failed rows back
to waiting, and the row then points at its new job (the old one stays in the usage log).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from easel.core import identity

__all__ = ["BatchRow", "BatchRowRow", "create_batch", "add_rows", "get_batch", "list_batches", "list_rows",
           "waiting_rows", "claim_row", "batch_owner", "requeue_orphans",
           "set_row_job", "set_row_not_sent", "note_wait", "requeue_rows",
           "INVALID", "WAITING", "SENT", "NOT_SENT"]

INVALID, WAITING, SENT, NOT_SENT = "invalid", "waiting", "sent", "not_sent"


@dataclass
class BatchRow:
    id: str
    created_at: float
    name: str
    settings: dict = field(default_factory=dict)
    session_id: str | None = None
    owner: str = ""                 # whose batch it is; its rows are sent as that person (easel.batch)


def _batch(r) -> BatchRow:
    return BatchRow(r["id"], r["created_at"], r["name"], json.loads(r["settings_json"] or "{}"), r["session_id"],
                    r["owner"])


@dataclass
class BatchRowRow:
    batch_id: str
    row_no: int
    prompt: str
    target: str
    provider: str
    key_fingerprint: str
    request: dict
    status: str
    job_id: str | None
    attempts: int
    error_code: str | None
    error_message: str | None
    wait_until: float | None
    wait_message: str | None
    cost_estimated: float | None
    currency: str | None

    @classmethod
    def from_row(cls, r) -> "BatchRowRow":
        return cls(r["batch_id"], r["row_no"], r["prompt"], r["target"], r["provider"], r["key_fingerprint"],
                   json.loads(r["request_json"] or "{}"), r["status"], r["job_id"], r["attempts"], r["error_code"],
                   r["error_message"], r["wait_until"], r["wait_message"], r["cost_estimated"], r["currency"])


def create_batch(store, *, name: str, settings: dict, session_id: str | None = None) -> str:
    bid = uuid.uuid4().hex[:12]
    with store._write() as conn:
        conn.execute("INSERT INTO batches (id, created_at, name, settings_json, session_id, owner) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (bid, time.time(), name, json.dumps(settings, ensure_ascii=False),
                                                   session_id, identity.owner_id()))
    return bid


def add_rows(store, batch_id: str, rows: list[dict]) -> None:
    """Each dict: row_no, prompt, target, provider, key_fingerprint, request, status, error_code,
    error_message, cost_estimated, currency (missing keys are empty)."""
    now = time.time()
    with store._write() as conn:
        conn.executemany(
            "INSERT INTO batch_rows (batch_id, row_no, prompt, target, provider, key_fingerprint, request_json, "
            "status, error_code, error_message, cost_estimated, currency, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(batch_id, r["row_no"], r.get("prompt") or "", r.get("target") or "", r.get("provider") or "",
              r.get("key_fingerprint") or "", json.dumps(r.get("request") or {}, ensure_ascii=False), r["status"],
              r.get("error_code"), r.get("error_message"), r.get("cost_estimated"), r.get("currency"), now)
             for r in rows])


def get_batch(store, batch_id: str) -> BatchRow | None:
    """The batch, or None when there is none or it is another person's (a batch has no shared flag: its
    results are shared job by job)."""
    mine, args = store.owned("batches")
    rows = store.query(f"SELECT * FROM batches WHERE id = ?{mine}", (batch_id, *args))
    return _batch(rows[0]) if rows else None


def list_batches(store, *, limit: int = 30) -> list[BatchRow]:
    mine, args = store.owned("batches")
    rows = store.query(f"SELECT * FROM batches WHERE true{mine} ORDER BY created_at DESC LIMIT ?", (*args, limit))
    return [_batch(r) for r in rows]


def batch_owner(store, batch_id: str) -> str:
    """The owner of a batch whatever the viewer (the dispatcher sends each row as its batch's owner)."""
    rows = store.query("SELECT owner FROM batches WHERE id = ?", (batch_id,))
    return rows[0][0] if rows else ""


def list_rows(store, batch_id: str) -> list[BatchRowRow]:
    if store.scoped and get_batch(store, batch_id) is None:
        return []
    rows = store.query("SELECT * FROM batch_rows WHERE batch_id = ? ORDER BY row_no", (batch_id,))
    return [BatchRowRow.from_row(r) for r in rows]


def waiting_rows(store, *, limit: int = 10_000) -> list[BatchRowRow]:
    """Every batch's waiting rows, oldest batch first, in row order: the order they are sent in."""
    rows = store.query("SELECT batch_rows.* FROM batch_rows JOIN batches ON batches.id = batch_rows.batch_id "
                       "WHERE batch_rows.status = 'waiting' ORDER BY batches.created_at, batch_rows.batch_id, "
                       "batch_rows.row_no LIMIT ?", (limit,))
    return [BatchRowRow.from_row(r) for r in rows]


def claim_row(store, batch_id: str, row_no: int) -> bool:
    """Take a waiting row for sending. Guarded, so two dispatchers (two processes) never send one row twice."""
    with store._write() as conn:
        return conn.execute("UPDATE batch_rows SET status = 'sent', job_id = NULL, attempts = attempts + 1, "
                            "wait_until = NULL, wait_message = NULL, updated_at = ? WHERE batch_id = ? AND "
                            "row_no = ? AND status = 'waiting'", (time.time(), batch_id, row_no)).rowcount == 1


def requeue_orphans(store, *, older_than_s: float = 60.0) -> int:
    """Rows claimed by a process that died before their job was written (claim_row, then submit): sent with no
    job for longer than a submit takes. They go back to waiting; nothing of theirs reached the provider, since
    a job row is written before the first byte goes out."""
    with store._write() as conn:
        return conn.execute("UPDATE batch_rows SET status = 'waiting', updated_at = ? WHERE status = 'sent' AND "
                            "job_id IS NULL AND updated_at < ?", (time.time(), time.time() - older_than_s)).rowcount


def set_row_job(store, batch_id: str, row_no: int, job_id: str) -> None:
    with store._write() as conn:
        conn.execute("UPDATE batch_rows SET job_id = ?, error_code = NULL, error_message = NULL, updated_at = ? "
                     "WHERE batch_id = ? AND row_no = ?", (job_id, time.time(), batch_id, row_no))


def set_row_not_sent(store, batch_id: str, row_no: int, code: str, message: str) -> None:
    with store._write() as conn:
        conn.execute("UPDATE batch_rows SET status = 'not_sent', error_code = ?, error_message = ?, updated_at = ? "
                     "WHERE batch_id = ? AND row_no = ?", (code, message, time.time(), batch_id, row_no))


def note_wait(store, batch_id: str, row_no: int, message: str, until: float | None = None) -> None:
    """Why a waiting row is still waiting (no key in this process, the daily quota used up until `until`)."""
    with store._write() as conn:
        conn.execute("UPDATE batch_rows SET wait_message = ?, wait_until = ?, updated_at = ? "
                     "WHERE batch_id = ? AND row_no = ? AND status = 'waiting'",
                     (message, until, time.time(), batch_id, row_no))


def requeue_rows(store, batch_id: str, row_nos: list[int]) -> int:
    """Put sent or not-sent rows back to waiting (a retry); their old jobs stay in the log."""
    if not row_nos:
        return 0
    marks = ", ".join("?" for _ in row_nos)
    with store._write() as conn:
        return conn.execute(f"UPDATE batch_rows SET status = 'waiting', error_code = NULL, error_message = NULL, "
                            f"updated_at = ? WHERE batch_id = ? AND row_no IN ({marks}) AND status IN "
                            f"('sent', 'not_sent')", (time.time(), batch_id, *row_nos)).rowcount
