"""The request table: one page of the log, read from `jobs` by index, with small thumbnails."""

from __future__ import annotations

import base64
import math
from datetime import timedelta

from easel.media.thumbnails import TABLE_SIDE, thumbnail_bytes
from easel.store import rollup_schema as us
from easel.store.rows import ImageRow, time_range
from easel.usage.charts import pandas_module
from easel.usage.currency import format_amount
from easel.usage.days import day_offset, day_start_ts
from easel.usage.filters import Filters

__all__ = ["count_requests", "count_simulated", "jobs_where", "requests_page", "thumbnails"]


def jobs_where(store, f: Filters, since: float | None = None, until: float | None = None, *,
               at_most: float | None = None) -> tuple[str, list]:
    """A WHERE clause over `jobs` for the filters, with `since <= created_at < until` narrowing the days, and
    `created_at <= at_most` for a keyset page. The bounds are merged into one range, because SQLite walks the
    created_at index between one lower and one upper bound: given two upper bounds it may take the looser one
    and step over every newer row (a page deep in a 3M-row log: 100 ms instead of 0.06 ms)."""
    offset = day_offset(store)
    lows = [since, day_start_ts(f.start, offset) if f.start is not None else None]
    highs = [until, day_start_ts(f.end + timedelta(days=1), offset) if f.end is not None else None]
    lo = max((v for v in lows if v is not None), default=None)
    hi = min((v for v in highs if v is not None), default=None)
    clauses, args = [], []
    if at_most is not None and (hi is None or at_most < hi):
        clauses, args = time_range("created_at", lo, None)
        clauses.append("created_at <= ?")
        args.append(at_most)
    else:
        clauses, args = time_range("created_at", lo, hi)
    for col, values in (("provider", f.providers), ("key_fingerprint", f.keys), ("status", f.statuses)):
        if values:
            clauses.append(f"{col} IN ({', '.join('?' for _ in values)})")
            args += list(values)
    if not f.include_simulated:
        clauses.append("simulated = 0")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def count_requests(store, filters: Filters, *, now=None) -> int:
    f = filters.resolved(store, now)
    where, args = f.where()
    return int(store.query(f"SELECT COALESCE(SUM(requests), 0) FROM usage_daily{where}", args)[0][0])


def count_simulated(store, filters: Filters, *, now=None) -> int:
    f = filters.resolved(store, now)
    if not f.include_simulated:
        return 0
    where, args = f.where()
    where += (" AND " if where else " WHERE ") + "simulated = 1"
    return int(store.query(f"SELECT COALESCE(SUM(requests), 0) FROM usage_daily{where}", args)[0][0])


def requests_page(store, filters: Filters, *, before: tuple[float, int] | None = None, page_size: int = 50,
                  now=None):
    """One page of requests, newest first, as a frame for st.dataframe (prompt is plain data).

    Keyset paging: `before` is the (created_at, rowid) of the last row of the previous page, which the frame
    carries as `frame.attrs["next_before"]` (None on the last page). A page is then read from the created_at
    index wherever it lies in the log, where an OFFSET would step over every earlier row."""
    f = filters.resolved(store, now)
    where, args = jobs_where(store, f, at_most=None if before is None else float(before[0]))
    if before is not None:
        where += (" AND " if where else " WHERE ") + "(created_at, rowid) < (?, ?)"
        args = [*args, float(before[0]), int(before[1])]
    rows = store.query(
        "SELECT id, created_at, provider, model, endpoint, mode, size, resolution, quality, n, status, error_code, "
        f"latency_s, cost_estimated, cost_actual, currency, key_fingerprint, simulated, comparison_id, prompt, owner, shared, "
        "rowid AS row_id "
        f"FROM jobs{where} ORDER BY created_at DESC, rowid DESC LIMIT ?", [*args, page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    pd = pandas_module()
    next_before = (rows[-1]["created_at"], rows[-1]["row_id"]) if more else None
    frame = pd.DataFrame([{k: r[k] for k in r.keys() if k != "row_id"} for r in rows], columns=[
        "id", "created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n", "status",
        "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "key_fingerprint", "simulated",
        "comparison_id", "prompt", "owner", "shared"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    frame["simulated"] = frame["simulated"].astype(bool)
    frame["cost"] = [_cost_label(a, e, c, s) for a, e, c, s in
                     zip(frame["cost_actual"], frame["cost_estimated"], frame["currency"], frame["status"])]
    frame.attrs["next_before"] = next_before
    return frame


def _cost_label(actual, estimated, currency, status) -> str:
    if actual is not None and not _isnan(actual):
        return format_amount(float(actual), currency or "")
    if status in us.ZERO_COST_STATUSES:
        return format_amount(0.0, currency or "")
    if estimated is not None and not _isnan(estimated):
        return "≈ " + format_amount(float(estimated), currency or "")
    return "?"


def _isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


_THUMBS: dict[tuple[str, int], str] = {}


def thumbnails(store, job_ids: list[str], *, max_side: int = TABLE_SIDE) -> dict[str, str]:
    """A small data URL of each job's first image. The file is made when the job's results are stored
    (easel.media.thumbnails.make_thumbnails), so this reads it; an image stored before that made it once here.
    Data URLs are cached here by content hash."""
    if not job_ids:
        return {}

    rows = store.query(
        f"SELECT * FROM images WHERE job_id IN ({', '.join('?' for _ in job_ids)}) AND deleted = 0 "
        "ORDER BY job_id, idx", list(job_ids))
    out: dict[str, str] = {}
    for r in rows:
        if r["job_id"] in out:
            continue
        key = (r["sha256"], max_side)
        if key not in _THUMBS:
            try:
                data = thumbnail_bytes(store, ImageRow.from_row(r), max_side=max_side)
            except Exception:  # noqa: BLE001 - a missing or unreadable file shows no thumbnail, not an error
                continue
            if len(_THUMBS) > 4096:
                _THUMBS.clear()
            mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
            _THUMBS[key] = f"data:{mime};base64," + base64.b64encode(data).decode()
        out[r["job_id"]] = _THUMBS[key]
    return out
