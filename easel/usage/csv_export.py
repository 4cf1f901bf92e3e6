"""CSV export: the same rows as the request table, streamed from `jobs` a page of rows at a time to a file or
stdout (`easel usage --csv`), so its memory stays flat however long the log is."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import BinaryIO, TextIO

from easel.core.tempfiles import written_to_temp_file
from easel.usage.days import day_offset, day_start_ts
from easel.usage.filters import CSV_COLUMNS, Filters
from easel.usage.request_log import jobs_where

__all__ = ["export_csv", "write_csv", "csv_to_temp_file"]

_FETCH = 1000       # rows a fetch: ~2 MB of Python objects, the export's whole working set


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
    """The usage log as one CSV string: for small logs and tests. Large exports use write_csv or
    csv_to_temp_file, which stream."""
    buf = io.StringIO()
    write_csv(store, buf, since, until, provider, filters=filters)
    return buf.getvalue()


def write_csv(store, out: TextIO, since=None, until=None, provider: str | None = None, *,
              filters: Filters | None = None, offset: int = 0, limit: int | None = None) -> int:
    """Write the usage log as CSV to `out`, one row per request (failures included), oldest first, a page of
    rows at a time; returns the rows written. Memory stays flat however long the log is.

    `since` / `until` are unix seconds, datetimes (naive = UTC) or dates (usage days; `until` exclusive).
    `filters` (the page's) narrows further by provider, key fingerprint, status and Demo usage. `offset` /
    `limit` pick a run of those rows (a part of a large download)."""
    day0 = day_offset(store)
    f = filters or Filters()
    if provider:
        f = replace(f, providers=(provider,))
    where, args = jobs_where(store, f, _ts(since, day0), _ts(until, day0))
    page = ""
    if limit is not None or offset:
        page = " LIMIT ? OFFSET ?"
        args = [*args, store.no_limit if limit is None else limit, offset]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    rows = 0
    with store.reading() as conn:
        cur = conn.execute(
            "SELECT created_at, provider, model, endpoint, mode, size, resolution, quality, n, status, error_code, "
            "latency_s, cost_estimated, cost_actual, currency, task_ids_json, key_fingerprint, simulated, id, "
            "cost_reported, cost_formula, owner "
            f"FROM jobs{where} ORDER BY created_at, rowid{page}", args)
        while batch := cur.fetchmany(_FETCH):
            w.writerows(_line(r) for r in batch)
            rows += len(batch)
    return rows


def csv_to_temp_file(store, *, filters: Filters | None = None, offset: int = 0, limit: int | None = None) -> BinaryIO:
    """The CSV in a temporary file (UTF-8), opened for reading at its start. The file has no name on disk once
    it is open (POSIX), so it is gone when the handle is closed or collected."""
    return written_to_temp_file(lambda f: write_csv(store, f, filters=filters, offset=offset, limit=limit),
                                prefix="easel-usage-", suffix=".csv", text=True)


def _line(r) -> list:
    created = datetime.fromtimestamp(r[0], timezone.utc).isoformat(timespec="milliseconds")
    try:
        tasks = ";".join(json.loads(r[15] or "[]"))
    except (ValueError, TypeError):
        tasks = ""
    return [created, r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "", r[6] or "", r[7] or "", r[8], r[9],
            r[10] or "", _num(r[11]), _num(r[12]), _num(r[13]), r[14] or "", tasks, r[16] or "", int(r[17]), r[18],
            _num(r[12]), _num(r[19]), _num(r[20]), r[21] or ""]
