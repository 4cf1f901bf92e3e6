"""CSV export: the same rows as the request table, streamed from `jobs` (also `easel usage --csv`)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, datetime, timezone

from easel.usage.days import day_offset, day_start_ts
from easel.usage.filters import CSV_COLUMNS, Filters
from easel.usage.request_log import jobs_where

__all__ = ["export_csv"]


def _ts(value, offset: int) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, date):
        return day_start_ts(value, offset)
    return float(value)


def _num(v) -> str:
    return "" if v is None else repr(round(float(v), 6))


def export_csv(store, since=None, until=None, provider: str | None = None, *, filters: Filters | None = None) -> str:
    """The usage log as CSV, one row per request (failures included), oldest first.

    `since` / `until` are unix seconds, datetimes (naive = UTC) or dates (usage days; `until` exclusive).
    `filters` (the page's) narrows further by provider, key fingerprint, status and Demo usage."""
    offset = day_offset(store)
    f = filters or Filters()
    if provider:
        f = replace(f, providers=(provider,))
    where, args = jobs_where(store, f, _ts(since, offset), _ts(until, offset))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    with store.reading() as conn:
        cur = conn.execute(
            "SELECT created_at, provider, model, endpoint, mode, size, resolution, quality, n, status, error_code, "
            "latency_s, cost_estimated, cost_actual, currency, task_ids_json, key_fingerprint, simulated, id "
            f"FROM jobs{where} ORDER BY created_at, rowid", args)
        while batch := cur.fetchmany(5000):
            for r in batch:
                created = datetime.fromtimestamp(r[0], timezone.utc).isoformat(timespec="milliseconds")
                try:
                    tasks = ";".join(json.loads(r[15] or "[]"))
                except (ValueError, TypeError):
                    tasks = ""
                w.writerow([created, r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "", r[6] or "", r[7] or "", r[8],
                            r[9], r[10] or "", _num(r[11]), _num(r[12]), _num(r[13]), r[14] or "", tasks, r[16] or "",
                            int(r[17]), r[18]])
    return buf.getvalue()
