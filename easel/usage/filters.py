"""What the Usage page and `easel usage` can filter by, and the choices the log offers.

The choices are machine values (what the log stores, what the CLI's flags and the CSV say); SPLIT_LABELS and
STATUS_LABELS name them for a reader: show them with `split_label()` / `status_label()` (e.g. as a widget's
format_func), in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from easel.core.i18n import N_, _
from easel.store import rollup_schema as us
from easel.store.rows import ACTIVE_STATUSES
from easel.usage.days import date_of, day_number, usage_today

__all__ = ["CSV_COLUMNS", "Filters", "SPLITS", "STATUSES", "SPLIT_LABELS", "STATUS_LABELS", "split_label", "status_label",
           "bounds", "filter_options", "has_real_usage"]


SPLITS = ("provider", "quality", "resolution", "endpoint", "mode")
STATUSES = ("completed",) + us.FAILURE_STATUSES + ("cancelled",) + ACTIVE_STATUSES
CSV_COLUMNS = ("created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n", "status",
               "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "task_id", "key_fingerprint",
               "simulated", "job_id",
               # Billing reconciliation (migration 22): the three costs side by side, as the issue names them;
               # cost_estimate repeats cost_estimated so the trio reads together and older scripts keep theirs.
               "cost_estimate", "cost_reported", "cost_formula",
               # Who made the request (issue 20): the person's id, '' for the single user; last, so older
               # scripts keep their columns where they were.
               "owner")
DEFAULT_RANGE_DAYS = 30

SPLIT_LABELS = {"provider": N_("Provider"), "quality": N_("Quality"), "resolution": N_("Resolution"),
                "endpoint": N_("Endpoint"), "mode": N_("Mode")}
STATUS_LABELS = {"completed": N_("done"), "failed": N_("failed"), "timed_out": N_("timed out"),
                 "interrupted": N_("interrupted"), "cancelled": N_("cancelled"), "queued": N_("pending"),
                 "running": N_("running"), "submitting": N_("submitting"), "pending": N_("pending"),
                 "waiting_for_key": N_("waiting for key")}


def split_label(split: str) -> str:
    return _(SPLIT_LABELS[split]) if split in SPLIT_LABELS else split


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@dataclass(frozen=True)
class Filters:
    start: date | None = None            # first usage day, inclusive
    end: date | None = None              # last usage day, inclusive
    providers: tuple[str, ...] = ()      # empty = all
    keys: tuple[str, ...] = ()           # key fingerprints; empty = all
    statuses: tuple[str, ...] = ()       # empty = all
    include_simulated: bool = True

    def where(self, *, days: bool = True, statuses: bool = True, table_has_status: bool = True,
              start: date | None = None, end: date | None = None) -> tuple[str, list]:
        """A WHERE clause over a rollup table (columns day, provider, key_fingerprint, status, simulated)."""
        clauses, args = [], []
        lo, hi = (start or self.start, end or self.end) if days else (start, end)
        if lo is not None:
            clauses.append("day >= ?")
            args.append(day_number(lo))
        if hi is not None:
            clauses.append("day <= ?")
            args.append(day_number(hi))
        for col, values in (("provider", self.providers), ("key_fingerprint", self.keys)):
            if values:
                clauses.append(f"{col} IN ({', '.join('?' for _value in values)})")
                args += list(values)
        if statuses and table_has_status and self.statuses:
            clauses.append(f"status IN ({', '.join('?' for _status in self.statuses)})")
            args += list(self.statuses)
        if not self.include_simulated:
            clauses.append("simulated = 0")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def resolved(self, store, now: float | datetime | None = None) -> "Filters":
        """With a missing date filled in: the last 30 usage days up to today."""
        if self.start and self.end:
            return self
        today = usage_today(store, now)
        end = self.end or today
        return replace(self, start=self.start or end - timedelta(days=DEFAULT_RANGE_DAYS - 1), end=end)


def bounds(store) -> tuple[date, date] | None:
    row = store.query("SELECT MIN(day), MAX(day) FROM usage_daily")[0]
    return None if row[0] is None else (date_of(row[0]), date_of(row[1]))


def filter_options(store) -> dict[str, list]:
    """What the filter widgets offer: providers and key fingerprints that appear in the log."""
    rows = store.query("SELECT provider, key_fingerprint, MIN(simulated) FROM usage_keys "
                       "GROUP BY provider, key_fingerprint ORDER BY provider, key_fingerprint")
    return {"providers": sorted({r[0] for r in rows}),
            "keys": [(r[1], r[0], bool(r[2])) for r in rows if r[1]]}


def has_real_usage(store) -> bool:
    """Whether the log holds any real (not simulated) request, on any day. The Usage page then hides Demo usage
    until asked: simulated amounts must never pass for spend."""
    return bool(store.query("SELECT EXISTS (SELECT 1 FROM usage_daily WHERE simulated = 0 AND requests > 0)")[0][0])
