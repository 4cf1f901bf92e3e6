"""Typed rows the store returns. Columns mirror docs/DESIGN.md; JSON columns are decoded on access."""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from operator import itemgetter
from typing import Callable

from easel.core.models import Money

__all__ = ["JobRow", "ImageRow", "TaskRow", "AttemptRow", "TERMINAL_STATUSES", "ACTIVE_STATUSES",
           "TASK_OPEN_STATUSES"]

# A terminal job will not change by itself. timed_out is terminal for the poller but check_now can still move it.
TERMINAL_STATUSES = ("completed", "failed", "interrupted", "timed_out", "cancelled")
ACTIVE_STATUSES = ("queued", "running", "submitting", "pending", "waiting_for_key")
TASK_OPEN_STATUSES = ("pending", "running")


# (class, the query's column names) → how to build the class from such a row: its fields' defaults, the names of
# the columns it takes and a getter of their values. Worked out once per query shape: `fields()`, by-name lookups
# and the dataclass __init__'s keyword matching per row were most of reading a gallery page's 49 rows.
_PLANS: dict[tuple[type, tuple[str, ...]], tuple[dict, tuple[str, ...], Callable]] = {}


def _plan(cls, keys: tuple[str, ...]) -> tuple[dict, tuple[str, ...], Callable]:
    if hasattr(cls, "__post_init__") or any(f.default_factory is not MISSING for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: a row class is built without its __init__: no __post_init__, no factories")
    defaults = {f.name: f.default for f in fields(cls)}
    # A name twice (a join) reads its first column, as sqlite3.Row's row[name] does.
    taken = [(i, k) for i, k in enumerate(keys) if k in defaults and keys.index(k) == i]
    names = tuple(k for _i, k in taken)
    required = [name for name, default in defaults.items() if default is MISSING and name not in names]
    if required:
        raise TypeError(f"{cls.__name__}: the query lacks the columns {required}")
    index = [i for i, _k in taken]
    getter = (lambda row, i=index[0]: (row[i],)) if len(index) == 1 else itemgetter(*index)
    return {k: v for k, v in defaults.items() if v is not MISSING}, names, getter


def _builder(cls, keys: tuple[str, ...]) -> Callable:
    plan = _PLANS.get((cls, keys))
    if plan is None:
        plan = _PLANS[(cls, keys)] = _plan(cls, keys)
    defaults, names, getter = plan
    new = object.__new__

    def build(row):
        # The dataclass's own fields, filled without its __init__ (the row classes have no __post_init__ and no
        # factories; _plan checks both): a third of the time of cls(**kwargs).
        obj = new(cls)
        values = dict(defaults)
        values.update(zip(names, getter(row)))
        obj.__dict__ = values
        return obj
    return build


def _from_row(cls, row) -> object:
    return _builder(cls, tuple(row.keys()))(row)


def _from_rows(cls, rows) -> list:
    """`from_row` over one query's rows: the plan is looked up once, not per row."""
    if not rows:
        return []
    return list(map(_builder(cls, tuple(rows[0].keys())), rows))


@dataclass
class JobRow:
    id: str
    created_at: float
    updated_at: float
    provider: str
    status: str
    finished_at: float | None = None
    model: str | None = None
    endpoint: str | None = None
    mode: str = "sync"
    prompt: str = ""
    params_json: str = "{}"
    size: str | None = None
    resolution: str | None = None
    quality: str | None = None
    n: int = 1
    ref_count: int = 0
    has_mask: int = 0
    progress: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    latency_s: float | None = None
    cost_estimated: float | None = None
    cost_actual: float | None = None
    currency: str | None = None
    task_ids_json: str = "[]"
    key_fingerprint: str = ""
    simulated: int = 0
    session_id: str | None = None
    base_url: str | None = None
    followed: int = 1
    owner_pid: int | None = None
    inputs_json: str = "{}"
    comparison_id: str | None = None      # the comparison this job is a column of (migration 21)
    # Migration 22: the provider's own figure and the doc's formula, beside cost_estimated / cost_actual.
    cost_reported: float | None = None
    cost_formula: float | None = None
    batch_id: str | None = None           # the batch this job is a row of (migration 25)
    owner: str = ""                       # whose job it is, "" = the single user's (migration 27)
    shared: int = 0                       # 1: its owner shared it with the team

    from_row = classmethod(_from_row)
    from_rows = classmethod(_from_rows)

    @property
    def params(self) -> dict:
        return json.loads(self.params_json or "{}")

    @property
    def task_ids(self) -> list[str]:
        return json.loads(self.task_ids_json or "[]")

    @property
    def inputs(self) -> dict:
        return json.loads(self.inputs_json or "{}")

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_async(self) -> bool:
        return self.mode == "async"

    @property
    def estimated(self) -> Money:
        return Money(self.cost_estimated, self.currency or "USD", "estimate")

    @property
    def actual(self) -> Money | None:
        return None if self.cost_actual is None else Money(self.cost_actual, self.currency or "USD", "actual")


@dataclass
class ImageRow:
    id: int
    job_id: str
    idx: int
    sha256: str
    path: str
    created_at: float
    width: int | None = None
    height: int | None = None
    mime: str | None = None
    bytes: int | None = None
    revised_prompt: str | None = None
    source_url: str | None = field(default=None, repr=False)   # a credential: kept out of repr and logs
    deleted: int = 0
    # From the job, so a gallery can label and filter without a second query.
    provider: str | None = None
    prompt: str | None = None
    model: str | None = None
    quality: str | None = None
    size: str | None = None
    resolution: str | None = None

    from_row = classmethod(_from_row)
    from_rows = classmethod(_from_rows)


@dataclass
class TaskRow:
    task_id: str
    job_id: str
    provider: str
    created_at: float
    updated_at: float
    idx: int = 0
    status: str = "pending"
    progress: int | None = None
    next_poll_at: float = 0.0
    polls: int = 0
    poll_errors: int = 0
    last_error: str | None = None
    cost: float | None = None
    cost_reported: float | None = None      # the task's own figure (migration 22)
    deadline_at: float | None = None
    lease_owner: str | None = None
    lease_until: float | None = None
    # From the job: what the poller groups by and which key it needs.
    key_fingerprint: str = ""
    base_url: str | None = None

    from_row = classmethod(_from_row)
    from_rows = classmethod(_from_rows)


@dataclass
class AttemptRow:
    id: int
    job_id: str
    attempt: int
    at: float
    status_code: int | None = None
    error_code: str | None = None
    latency_s: float | None = None

    from_row = classmethod(_from_row)
    from_rows = classmethod(_from_rows)


def time_range(column: str, since: float | None, until: float | None) -> tuple[list[str], list[float]]:
    """SQL clauses for `since <= column < until` (either bound optional): every list and dashboard query
    filters time the same half-open way, so a row is never counted in two adjacent periods."""
    clauses, args = [], []
    if since is not None:
        clauses.append(f"{column} >= ?")
        args.append(since)
    if until is not None:
        clauses.append(f"{column} < ?")
        args.append(until)
    return clauses, args
