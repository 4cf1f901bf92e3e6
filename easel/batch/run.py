"""Running a batch: the plan's rows into the store (invalid ones with their rule, never sent), the dispatcher
sends the rest as ordinary jobs sharing one batch id; progress, each row's result, and retrying the failed ones
as a group.

Messages are kept in English (the store, batch.csv): a row's problem from its Text (easel.batch.parse), a wait
message as the dispatcher writes it. `RowResult.error_shown`, `.wait_shown` and `Progress.waiting_shown` give them
in the reader's language (easel.core.i18n_text.shown).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from easel.batch.dispatcher import dispatcher_for
from easel.core.i18n_text import shown
from easel.batch.plan import BatchPlan
from easel.store import batches
from easel.store.rows import ImageRow, JobRow

__all__ = ["start", "RowResult", "Progress", "results", "progress", "retry_failed", "wait", "FAILED_JOB_STATUSES"]

FAILED_JOB_STATUSES = ("failed", "interrupted", "timed_out", "cancelled")


def start(jobs, plan: BatchPlan, *, name: str, session_id: str | None = None, dispatch: bool = True) -> str:
    """Log the batch and hand its valid rows to the dispatcher; returns the batch id at once. `dispatch=False`
    leaves them waiting in the store (for a caller that runs the dispatcher's cycles itself)."""
    store = jobs.store
    bid = batches.create_batch(store, name=name, settings=_json_safe(plan.defaults), session_id=session_id)
    rows = []
    registered: set[str] = set()
    for r in plan.rows:
        if not r.valid:
            rows.append(dict(row_no=r.row, prompt=r.prompt, target=r.target_name,
                             provider=r.target.profile.id if r.target is not None else "", status=batches.INVALID,
                             error_code=r.problem.code, error_message=r.problem.log_message()))
            continue
        target = r.target
        if target.name not in registered:                 # the dispatcher finds the key in the job service's ring
            client = target.client()
            try:
                jobs.register(client)
            finally:
                client.close()
            registered.add(target.name)
        est = r.estimate
        rows.append(dict(row_no=r.row, prompt=r.prompt, target=r.target_name, provider=target.profile.id,
                         key_fingerprint=target.fingerprint, request=r.request.describe(), status=batches.WAITING,
                         cost_estimated=est.amount if est else None, currency=est.currency if est else None))
    batches.add_rows(store, bid, rows)
    if dispatch:
        dispatcher_for(jobs).start()
    return bid




def _json_safe(d: dict) -> dict:
    return {k: v for k, v in d.items() if isinstance(v, (str, int, float, bool, dict, list, type(None)))}


@dataclass
class RowResult:
    row: int
    prompt: str
    target: str
    status: str            # invalid | waiting | not_sent | the job's status (queued … completed, failed)
    job: JobRow | None
    images: list[ImageRow] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    wait_message: str | None = None
    wait_until: float | None = None
    cost: float | None = None            # the job's actual cost when it has one, else its estimate
    currency: str | None = None
    request: dict = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.status in ("invalid", "not_sent", "completed", *FAILED_JOB_STATUSES)

    @property
    def error_shown(self) -> str | None:
        return None if self.error_message is None else shown(self.error_message)

    @property
    def wait_shown(self) -> str | None:
        return None if self.wait_message is None else shown(self.wait_message)

    @property
    def failed(self) -> bool:
        return self.status in ("not_sent", *FAILED_JOB_STATUSES)


def results(store, batch_id: str) -> list[RowResult]:
    out = []
    for r in batches.list_rows(store, batch_id):
        job = store.get_job(r.job_id) if r.job_id and r.status == batches.SENT else None
        status = job.status if job is not None else ("queued" if r.status == batches.SENT else r.status)
        images = store.list_images(job_id=job.id) if job is not None and job.status == "completed" else []
        code = job.error_code if job is not None else r.error_code
        message = job.error_message if job is not None else r.error_message
        cost, currency = r.cost_estimated, r.currency
        if job is not None:
            cost = job.cost_actual if job.cost_actual is not None and job.is_terminal else job.cost_estimated
            currency = job.currency or currency
        out.append(RowResult(r.row_no, r.prompt, r.target, status, job, images, code, message, r.wait_message,
                             r.wait_until, cost, currency, r.request))
    return out


@dataclass
class Progress:
    total: int
    invalid: int
    done: int
    failed: int
    remaining: int
    waiting_message: str | None = None

    @property
    def finished(self) -> bool:
        return self.remaining == 0

    @property
    def waiting_shown(self) -> str | None:
        return None if self.waiting_message is None else shown(self.waiting_message)


def progress(store, batch_id: str, rows: list[RowResult] | None = None) -> Progress:
    rows = results(store, batch_id) if rows is None else rows
    invalid = sum(r.status == "invalid" for r in rows)
    done = sum(r.status == "completed" for r in rows)
    failed = sum(r.failed for r in rows)
    message = next((r.wait_message for r in rows if r.status == "waiting" and r.wait_message), None)
    return Progress(len(rows), invalid, done, failed, len(rows) - invalid - done - failed, message)


def retry_failed(jobs, batch_id: str) -> int:
    """Send every failed row again (with its own request), as a group. Returns how many."""
    failed = [r.row for r in results(jobs.store, batch_id) if r.failed]
    count = batches.requeue_rows(jobs.store, batch_id, failed)
    if count:
        dispatcher_for(jobs).start()
    return count


def wait(jobs, batch_id: str, *, timeout: float | None = None,
         on_row: Callable[[RowResult], None] | None = None, interval: float = 0.1) -> list[RowResult]:
    """Block until every row is finished (or `timeout` passes); `on_row` is called once per row as it finishes,
    invalid rows first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    reported: set[int] = set()
    while True:
        rows = results(jobs.store, batch_id)
        for r in sorted(rows, key=lambda r: (r.status != "invalid", r.row)):
            if r.finished and r.row not in reported:
                reported.add(r.row)
                if on_row is not None:
                    on_row(r)
        if all(r.finished for r in rows) or (deadline is not None and time.monotonic() >= deadline):
            return rows
        time.sleep(interval)
