"""Every number the Usage page and `easel usage` show, aggregated in SQL from the usage log's rollups.

The page and the CLI call the same functions here, so they cannot disagree. Reads go to the trigger-kept
rollups (easel/usage_schema.py), never to a scan of `jobs`: over a million requests a 30-day view reads some
tens of thousands of rollup rows, and the charts get a few hundred. Only the request table (one page, by
index), the quota (one key's day, by index) and the CSV export (a stream) read `jobs` itself.

Definitions the page states beside its numbers:
- spend: `cost_actual`, else the estimate for work that may still be billed (in flight, completed without a
  reported cost); failures and cancellations cost 0. Always per currency; a total in one currency is a
  conversion at the user's rate (easel.currency), shown with the per-currency amounts.
- images: `n` of completed requests. Success rate: completed / (completed + failed + timed out + interrupted).
- latency: completed requests only; percentiles come from a log-bucket histogram (within 6 %).
- periods: usage days (default Beijing days, see usage_schema); "this week" is Monday to today, compared with
  the same weekdays of last week; "this month" is the 1st to today, against the same days of last month.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from . import usage_schema as us
from .currency import Rates, breakdown_label, format_amount
from .store.rows import ACTIVE_STATUSES, time_range

__all__ = ["Filters", "Metric", "SpendMetric", "Kpis", "Dashboard", "SPLITS", "CSV_COLUMNS", "STATUSES",
           "day_offset", "set_day_offset", "rebuild_rollups", "usage_today", "day_of", "date_of", "day_start_ts",
           "bounds", "filter_options", "kpis", "daily", "cumulative", "latency", "percentile_from_hist",
           "bucket_of", "bucket_mid", "errors", "top_prompts", "count_requests", "count_simulated", "requests_page",
           "thumbnails", "export_csv", "dashboard", "report_text", "spend_on_day"]

SPLITS = ("provider", "quality", "resolution", "endpoint", "mode")
STATUSES = ("completed",) + us.FAILURE_STATUSES + ("cancelled",) + ACTIVE_STATUSES
CSV_COLUMNS = ("created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n", "status",
               "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "task_id", "key_fingerprint",
               "simulated", "job_id")
DEFAULT_RANGE_DAYS = 30


# --- days ---------------------------------------------------------------------------------------------------
def day_offset(store) -> int:
    return int(store._read("SELECT day_offset_s FROM usage_config WHERE id = 1")[0][0])


def day_of(ts: float, offset_s: int) -> int:
    return int((ts + offset_s) // 86400)


def date_of(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def day_start_ts(d: date, offset_s: int) -> float:
    """The unix time at which usage day `d` begins."""
    return _day(d) * 86400 - offset_s


def _now_ts(now: float | datetime | None) -> float:
    if now is None:
        return datetime.now(timezone.utc).timestamp()
    if isinstance(now, datetime):
        return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).timestamp()
    return float(now)


def usage_today(store, now: float | datetime | None = None) -> date:
    return date_of(day_of(_now_ts(now), day_offset(store)))


def rebuild_rollups(store) -> None:
    """Recompute every rollup from the log in one transaction (after an offset change, or to repair)."""
    with store._write() as conn:
        for table in us.ROLLUP_TABLES:
            conn.execute(f"DELETE FROM {table}")
        for stmt in us.rollup_merge_sql("true"):
            conn.execute(stmt)


def set_day_offset(store, offset_s: int) -> None:
    """Report usage in days starting at UTC + offset_s (e.g. 0 for UTC, 28800 for Beijing)."""
    if not -14 * 3600 <= int(offset_s) <= 14 * 3600:
        raise ValueError("A day offset must lie between UTC−14 and UTC+14.")
    with store._write() as conn:
        conn.execute("UPDATE usage_config SET day_offset_s = ? WHERE id = 1", (int(offset_s),))
        for table in us.ROLLUP_TABLES:
            conn.execute(f"DELETE FROM {table}")
        for stmt in us.rollup_merge_sql("true"):
            conn.execute(stmt)


# --- filters ------------------------------------------------------------------------------------------------
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
            args.append(_day(lo))
        if hi is not None:
            clauses.append("day <= ?")
            args.append(_day(hi))
        for col, values in (("provider", self.providers), ("key_fingerprint", self.keys)):
            if values:
                clauses.append(f"{col} IN ({', '.join('?' for _ in values)})")
                args += list(values)
        if statuses and table_has_status and self.statuses:
            clauses.append(f"status IN ({', '.join('?' for _ in self.statuses)})")
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
    row = store._read("SELECT MIN(day), MAX(day) FROM usage_daily")[0]
    return None if row[0] is None else (date_of(row[0]), date_of(row[1]))


def filter_options(store) -> dict[str, list]:
    """What the filter widgets offer: providers and key fingerprints that appear in the log."""
    rows = store._read("SELECT provider, key_fingerprint, MIN(simulated) FROM usage_keys "
                       "GROUP BY provider, key_fingerprint ORDER BY provider, key_fingerprint")
    return {"providers": sorted({r[0] for r in rows}),
            "keys": [(r[1], r[0], bool(r[2])) for r in rows if r[1]]}


# --- money --------------------------------------------------------------------------------------------------
def _total(amounts: dict[str, float], currency: str, rates: Rates) -> tuple[float, dict[str, float]]:
    """One total in `currency`, plus what could not be converted (a row with no or an unknown unit)."""
    total, left = 0.0, {}
    for cur, amount in amounts.items():
        try:
            total += amount * rates.factor(cur, currency)
        except ValueError:
            if amount:
                left[cur or "no unit"] = amount
    return total, left


def _delta_pct(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / previous * 100


@dataclass(frozen=True)
class Metric:
    """A KPI with its previous-period value. `text()` and `delta_text()` are what the page and CLI print."""

    key: str
    label: str
    value: float | None
    previous: float | None
    kind: str                      # "money" | "count" | "percent" | "seconds"
    currency: str | None = None
    note: str = ""
    higher_is_better: bool = True

    def _fmt(self, v: float | None) -> str:
        if v is None:
            return "—"
        if self.kind == "money":
            return format_amount(v, self.currency or "")
        if self.kind == "count":
            return f"{v:,.0f}"
        if self.kind == "percent":
            return f"{v * 100:.1f}%"
        return f"{v:.1f} s"

    def text(self) -> str:
        return self._fmt(self.value)

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def delta_text(self) -> str | None:
        d = self.delta
        # Nothing in either period is no change to report, not a rise of zero.
        if d is None or (d == 0 and not self.value and not self.previous):
            return None
        sign = "+" if d >= 0 else "-"          # ASCII: st.metric reads a leading "-" as a fall
        if self.kind == "percent":
            body = f"{abs(d) * 100:.1f} pts"
        elif self.kind == "money":
            body = format_amount(abs(d), self.currency or "")
        elif self.kind == "count":
            body = f"{abs(d):,.0f}"
        else:
            body = f"{abs(d):.1f} s"
        pct = _delta_pct(self.value, self.previous)
        return f"{sign}{body}" + (f" ({pct:+.0f}%)" if pct is not None and self.kind != "percent" else "")


@dataclass(frozen=True)
class SpendMetric(Metric):
    amounts: dict[str, float] = field(default_factory=dict)          # per currency, this period
    previous_amounts: dict[str, float] = field(default_factory=dict)
    unconverted: dict[str, float] = field(default_factory=dict)

    @property
    def breakdown(self) -> str:
        return breakdown_label(self.amounts)


@dataclass(frozen=True)
class Kpis:
    today: SpendMetric
    week: SpendMetric
    month: SpendMetric
    spend: SpendMetric              # the selected range
    requests: Metric
    images: Metric
    cost_per_image: Metric
    success_rate: Metric
    median_latency: Metric
    unpriced: int                   # requests in the range counted at their estimate
    range: tuple[date, date]
    previous_range: tuple[date, date]
    currency: str
    rates: Rates
    simulated_requests: int = 0     # Demo requests among those in the range

    @property
    def row_spend(self) -> list[SpendMetric]:
        return [self.today, self.week, self.month, self.spend]

    @property
    def row_range(self) -> list[Metric]:
        return [self.images, self.cost_per_image, self.success_rate, self.median_latency]


def _day_stats(store, f: Filters, lo: date, hi: date) -> dict[int, dict]:
    """Per usage day: spend per currency, requests, images, completed, failed, unpriced, simulated requests."""
    where, args = f.where(start=lo, end=hi, days=False)
    fail = ", ".join(f"'{s}'" for s in us.FAILURE_STATUSES)
    out: dict[int, dict] = {}
    for day, cur, cost, req, img, ok, bad, unpriced, sim in store._read(
            "SELECT day, currency, SUM(cost), SUM(requests), SUM(images), "
            "SUM(CASE WHEN status = 'completed' THEN requests ELSE 0 END), "
            f"SUM(CASE WHEN status IN ({fail}) THEN requests ELSE 0 END), SUM(unpriced), "
            f"SUM(CASE WHEN simulated = 1 THEN requests ELSE 0 END) FROM usage_daily{where} "
            "GROUP BY day, currency", args):
        d = out.setdefault(day, {"amounts": defaultdict(float), "requests": 0, "images": 0, "completed": 0,
                                 "failed": 0, "unpriced": 0, "simulated": 0})
        d["amounts"][cur] += cost
        for k, v in (("requests", req), ("images", img), ("completed", ok), ("failed", bad), ("unpriced", unpriced),
                     ("simulated", sim)):
            d[k] += v
    return out


def _sum_days(stats: dict[int, dict], lo: date, hi: date) -> dict:
    acc: dict = {"amounts": defaultdict(float), "requests": 0, "images": 0, "completed": 0, "failed": 0,
                 "unpriced": 0, "simulated": 0}
    for d in range(_day(lo), _day(hi) + 1):
        st = stats.get(d)
        if st is None:
            continue
        for cur, v in st["amounts"].items():
            acc["amounts"][cur] += v
        for k in ("requests", "images", "completed", "failed", "unpriced", "simulated"):
            acc[k] += st[k]
    acc["amounts"] = dict(acc["amounts"])
    return acc


def _spend_metric(key, label, amounts, prev, currency, rates, note) -> SpendMetric:
    total, left = _total(amounts, currency, rates)
    prev_total, _ = _total(prev, currency, rates)
    return SpendMetric(key, label, total, prev_total, "money", currency, note, higher_is_better=False,
                       amounts=amounts, previous_amounts=prev, unconverted=left)


def _month_back(d: date) -> date:
    first_prev = (d.replace(day=1) - timedelta(days=1)).replace(day=1)
    nxt = (first_prev + timedelta(days=32)).replace(day=1)
    return first_prev.replace(day=min(d.day, (nxt - first_prev).days))


def spend_on_day(store, d: date, *, providers=(), simulated: bool | None = None) -> dict[str, float]:
    """Per-currency spend on one usage day; `simulated` True/False keeps only Demo / only real requests."""
    where, args = Filters(providers=tuple(providers)).where(start=d, end=d, days=False)
    if simulated is not None:
        where += " AND simulated = ?"
        args.append(int(simulated))
    return {cur: cost for cur, cost in store._read(
        f"SELECT currency, SUM(cost) FROM usage_daily{where} GROUP BY currency", args)}


def _latency_hist(store, f: Filters, lo: date, hi: date, by: str = "") -> list[tuple]:
    """(…by columns, bucket, count) of completed requests: the rollup holds only those."""
    if f.statuses and "completed" not in f.statuses:
        return []
    where, args = f.where(start=lo, end=hi, days=False, table_has_status=False)
    cols = f"{by}, " if by else ""
    return store._read(f"SELECT {cols}bucket, SUM(count) FROM usage_latency{where} GROUP BY {cols}bucket", args)


def kpis(store, filters: Filters = Filters(), *, currency: str = "CNY", rates: Rates = Rates(),
         now: float | datetime | None = None) -> Kpis:
    f = filters.resolved(store, now)
    today = usage_today(store, now)
    week0 = today - timedelta(days=today.weekday())
    month0 = today.replace(day=1)
    prev_month_day = _month_back(today)
    lo = min(prev_month_day.replace(day=1), week0 - timedelta(days=7), today - timedelta(days=1))
    start, end = f.start, f.end
    length = (end - start).days + 1
    pstart, pend = start - timedelta(days=length), start - timedelta(days=1)
    # The fixed periods ignore the date filter (they are "today", "this week"...) but honour every other one.
    # One scan covers both when they overlap, as they do by default; two when the range lies far back.
    if pstart <= today + timedelta(days=1) and lo <= end + timedelta(days=1):
        fixed = ranged = _day_stats(store, f, min(lo, pstart), max(today, end))
    else:
        fixed, ranged = _day_stats(store, f, lo, today), _day_stats(store, f, pstart, end)
    periods = {
        "today": ("Spend today", (today, today), (today - timedelta(days=1),) * 2, "vs yesterday"),
        "week": ("Spend this week", (week0, today), (week0 - timedelta(days=7), today - timedelta(days=7)),
                 "vs the same days last week"),
        "month": ("Spend this month", (month0, today), (prev_month_day.replace(day=1), prev_month_day),
                  "vs the same days last month"),
    }
    spend = {k: _spend_metric(k, label, _sum_days(fixed, *c)["amounts"], _sum_days(fixed, *p)["amounts"], currency,
                              rates, note) for k, (label, c, p, note) in periods.items()}

    note = f"vs the {length} days before"
    cur, prev = _sum_days(ranged, start, end), _sum_days(ranged, pstart, pend)
    range_spend = _spend_metric("spend", "Spend in range", cur["amounts"], prev["amounts"], currency, rates, note)

    def per_image(rows):
        return _total(rows["amounts"], currency, rates)[0] / rows["images"] if rows["images"] else None

    def rate(rows):
        done = rows["completed"] + rows["failed"]
        return rows["completed"] / done if done else None

    hist = _latency_hist(store, f, pstart, end, by=f"day >= {_day(start)}")
    med = percentile_from_hist([(b, n) for c, b, n in hist if c], 0.5)
    pmed = percentile_from_hist([(b, n) for c, b, n in hist if not c], 0.5)
    return Kpis(
        today=spend["today"], week=spend["week"], month=spend["month"], spend=range_spend,
        requests=Metric("requests", "Requests", cur["requests"], prev["requests"], "count", note=note),
        images=Metric("images", "Images", cur["images"], prev["images"], "count", note=note),
        cost_per_image=Metric("cost_per_image", "Average cost per image", per_image(cur), per_image(prev), "money",
                              currency, note, higher_is_better=False),
        success_rate=Metric("success_rate", "Success rate", rate(cur), rate(prev), "percent", note=note),
        median_latency=Metric("median_latency", "Median latency", med, pmed, "seconds", note=note,
                              higher_is_better=False),
        unpriced=cur["unpriced"], range=(start, end), previous_range=(pstart, pend), currency=currency, rates=rates,
        simulated_requests=cur["simulated"])


# --- latency buckets ----------------------------------------------------------------------------------------
def bucket_of(latency_s: float) -> int:
    """The histogram bucket a latency falls in; the same rule as the SQL lookup table."""
    if latency_s < us.BUCKET_MIN_S:
        return 0
    top = us.BUCKETS_PER_DECADE * us.BUCKET_DECADES
    i = min(top, math.floor(math.log10(latency_s / us.BUCKET_MIN_S) * us.BUCKETS_PER_DECADE + 1e-9) + 1)
    # The table's bounds are floats; settle a value on a boundary exactly as SQL's `lo <= x` does.
    lo = lambda k: us.BUCKET_MIN_S * 10 ** ((k - 1) / us.BUCKETS_PER_DECADE)  # noqa: E731
    while i > 1 and lo(i) > latency_s:
        i -= 1
    while i < top and lo(i + 1) <= latency_s:
        i += 1
    return i


def bucket_mid(bucket: int) -> float:
    """A bucket's geometric midpoint, the value its members are reported as."""
    if bucket <= 0:
        return us.BUCKET_MIN_S / 2
    return us.BUCKET_MIN_S * 10 ** ((bucket - 0.5) / us.BUCKETS_PER_DECADE)


def percentile_from_hist(rows, p: float) -> float | None:
    """Nearest-rank percentile over (bucket, count) rows: the midpoint of the bucket holding rank ⌈p·N⌉."""
    counts: dict[int, int] = defaultdict(int)
    for bucket, n in rows:
        counts[int(bucket)] += int(n)
    total = sum(counts.values())
    if total <= 0:
        return None
    rank, seen = max(1, math.ceil(p * total)), 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return bucket_mid(bucket)
    return None


# --- chart data (each a few thousand rows at most) ----------------------------------------------------------
def _pd():
    import pandas as pd

    return pd


def daily(store, filters: Filters, *, split: str = "provider", currency: str = "CNY", rates: Rates = Rates(),
          now=None):
    """Per usage day and split value: requests, images, spend converted to `currency`, and the native amounts."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    f = filters.resolved(store, now)
    where, args = f.where()
    acc: dict[tuple, dict] = {}
    for day, part, cur, req, img, cost in store._read(
            f"SELECT day, {split}, currency, SUM(requests), SUM(images), SUM(cost) FROM usage_daily{where} "
            f"GROUP BY day, {split}, currency", args):
        a = acc.setdefault((day, part or "(none)"), {"requests": 0, "images": 0, "amounts": defaultdict(float)})
        a["requests"] += req
        a["images"] += img
        a["amounts"][cur] += cost
    rows = []
    for (day, part), a in sorted(acc.items()):
        total, _ = _total(a["amounts"], currency, rates)
        rows.append({"date": date_of(day), "part": part, "requests": a["requests"], "images": a["images"],
                     "cost": total, "native": breakdown_label(dict(a["amounts"]))})
    pd = _pd()
    frame = pd.DataFrame(rows, columns=["date", "part", "requests", "images", "cost", "native"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def cumulative(daily_frame):
    """Running spend per split value over every day of the frame (missing days carry the total forward)."""
    pd = _pd()
    if daily_frame.empty:
        return pd.DataFrame(columns=["date", "part", "cost", "cumulative"])
    grid = daily_frame.pivot_table(index="date", columns="part", values="cost", aggfunc="sum", fill_value=0.0)
    grid = grid.reindex(pd.date_range(grid.index.min(), grid.index.max(), freq="D"), fill_value=0.0)
    cum = grid.cumsum()
    out = cum.stack().rename("cumulative").reset_index()
    out.columns = ["date", "part", "cumulative"]
    out["cost"] = grid.stack().to_numpy()
    return out[["date", "part", "cost", "cumulative"]]


def latency(store, filters: Filters, *, now=None):
    """(histogram frame: provider, seconds, count; percentile frame: provider, quality, requests, p50, p95)."""
    f = filters.resolved(store, now)
    rows = _latency_hist(store, f, f.start, f.end, by="provider, quality")
    per: dict[tuple, list] = defaultdict(list)
    hist: dict[tuple, int] = defaultdict(int)
    for provider, quality, bucket, n in rows:
        per[(provider, quality or "(none)")].append((bucket, n))
        hist[(provider, bucket)] += n
    pd = _pd()
    h = pd.DataFrame([{"provider": p, "bucket": b, "seconds": bucket_mid(b), "count": n}
                      for (p, b), n in sorted(hist.items())], columns=["provider", "bucket", "seconds", "count"])
    pct = pd.DataFrame([{"provider": p, "quality": q, "group": f"{p} · {q}", "requests": sum(n for _, n in v),
                         "p50": percentile_from_hist(v, 0.5), "p95": percentile_from_hist(v, 0.95)}
                        for (p, q), v in sorted(per.items())],
                       columns=["provider", "quality", "group", "requests", "p50", "p95"])
    return h, pct


def errors(store, filters: Filters, *, now=None):
    """Per day and error code: failures, finished requests that day, and the rate."""
    f = filters.resolved(store, now)
    where, args = f.where()
    finished = ("completed",) + us.FAILURE_STATUSES
    totals: dict[int, int] = defaultdict(int)
    fails: dict[tuple, int] = defaultdict(int)
    for day, status, code, n in store._read(
            f"SELECT day, status, error_code, SUM(requests) FROM usage_daily{where} "
            f"{'AND' if where else 'WHERE'} status IN ({', '.join('?' for _ in finished)}) "
            "GROUP BY day, status, error_code", [*args, *finished]):
        totals[day] += n
        if status != "completed":
            fails[(day, code or status)] += n
    pd = _pd()
    frame = pd.DataFrame([{"date": date_of(d), "error_code": c, "failures": n, "finished": totals[d],
                           "rate": n / totals[d]} for (d, c), n in sorted(fails.items())],
                         columns=["date", "error_code", "failures", "finished", "rate"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def top_prompts(store, filters: Filters, *, limit: int = 20, now=None):
    """The most requested prompts in the range (the status filter does not apply: failures are a column)."""
    f = filters.resolved(store, now)
    where, args = f.where(statuses=False)
    rows = store._read(
        f"SELECT t.prompt_id, t.requests, t.images, t.failed, p.prompt FROM (SELECT prompt_id, SUM(requests) AS "
        f"requests, SUM(images) AS images, SUM(failed) AS failed FROM usage_prompt_daily{where} GROUP BY prompt_id "
        "ORDER BY requests DESC, prompt_id LIMIT ?) t JOIN usage_prompts p ON p.id = t.prompt_id "
        "ORDER BY t.requests DESC, t.prompt_id", [*args, limit])
    total = store._read(f"SELECT COALESCE(SUM(requests), 0) FROM usage_prompt_daily{where}", args)[0][0]
    pd = _pd()
    return pd.DataFrame([{"prompt": r[4], "requests": r[1], "images": r[2], "failed": r[3],
                          "share": r[1] / total if total else 0.0} for r in rows],
                        columns=["prompt", "requests", "images", "failed", "share"])


# --- the request table --------------------------------------------------------------------------------------
def _jobs_where(store, f: Filters, since: float | None = None, until: float | None = None) -> tuple[str, list]:
    offset = day_offset(store)
    clauses, args = [], []
    for lo, hi in ((day_start_ts(f.start, offset) if f.start is not None else None,
                    day_start_ts(f.end + timedelta(days=1), offset) if f.end is not None else None), (since, until)):
        more, bounds = time_range("created_at", lo, hi)
        clauses += more
        args += bounds
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
    return int(store._read(f"SELECT COALESCE(SUM(requests), 0) FROM usage_daily{where}", args)[0][0])


def count_simulated(store, filters: Filters, *, now=None) -> int:
    f = filters.resolved(store, now)
    if not f.include_simulated:
        return 0
    where, args = f.where()
    where += (" AND " if where else " WHERE ") + "simulated = 1"
    return int(store._read(f"SELECT COALESCE(SUM(requests), 0) FROM usage_daily{where}", args)[0][0])


def requests_page(store, filters: Filters, *, page: int = 0, page_size: int = 50, now=None):
    """One page of requests, newest first, as a frame for st.dataframe (prompt is plain data)."""
    f = filters.resolved(store, now)
    where, args = _jobs_where(store, f)
    rows = store._read(
        "SELECT id, created_at, provider, model, endpoint, mode, size, resolution, quality, n, status, error_code, "
        f"latency_s, cost_estimated, cost_actual, currency, key_fingerprint, simulated, prompt FROM jobs{where} "
        "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?", [*args, page_size, page * page_size])
    pd = _pd()
    frame = pd.DataFrame([dict(r) for r in rows], columns=[
        "id", "created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n", "status",
        "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "key_fingerprint", "simulated",
        "prompt"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
    frame["simulated"] = frame["simulated"].astype(bool)
    frame["cost"] = [_cost_label(a, e, c, s) for a, e, c, s in
                     zip(frame["cost_actual"], frame["cost_estimated"], frame["currency"], frame["status"])]
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


def thumbnails(store, job_ids: list[str], *, max_side: int = 64) -> dict[str, str]:
    """A small data URL of each job's first image (cached on disk by the store, and here by content hash)."""
    if not job_ids:
        return {}
    from .store.rows import ImageRow

    rows = store._read(
        f"SELECT * FROM images WHERE job_id IN ({', '.join('?' for _ in job_ids)}) AND deleted = 0 "
        "ORDER BY job_id, idx", list(job_ids))
    out: dict[str, str] = {}
    for r in rows:
        if r["job_id"] in out:
            continue
        key = (r["sha256"], max_side)
        if key not in _THUMBS:
            try:
                data = store.thumbnail_bytes(ImageRow.from_row(r), max_side=max_side)
            except Exception:  # noqa: BLE001 - a missing or unreadable file shows no thumbnail, not an error
                continue
            if len(_THUMBS) > 4096:
                _THUMBS.clear()
            mime = "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
            _THUMBS[key] = f"data:{mime};base64," + base64.b64encode(data).decode()
        out[r["job_id"]] = _THUMBS[key]
    return out


# --- CSV ------------------------------------------------------------------------------------------------------
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
    where, args = _jobs_where(store, f, _ts(since, offset), _ts(until, offset))
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


# --- everything the page draws, in one call -----------------------------------------------------------------
@dataclass
class Dashboard:
    filters: Filters
    kpis: Kpis
    daily: object          # pandas frames
    cumulative: object
    latency_hist: object
    latency_pct: object
    errors: object
    top_prompts: object
    total_requests: int
    simulated_requests: int


def dashboard(store, filters: Filters = Filters(), *, split: str = "provider", currency: str = "CNY",
              rates: Rates = Rates(), now=None) -> Dashboard:
    f = filters.resolved(store, now)
    k = kpis(store, f, currency=currency, rates=rates, now=now)
    d = daily(store, f, split=split, currency=currency, rates=rates)
    h, pct = latency(store, f)
    return Dashboard(f, k, d, cumulative(d), h, pct, errors(store, f), top_prompts(store, f), int(k.requests.value),
                     k.simulated_requests if f.include_simulated else 0)


def report_text(store, filters: Filters = Filters(), *, currency: str = "CNY", rates: Rates = Rates(),
                now=None) -> str:
    """The CLI's `easel usage`: the page's KPIs as plain text, from the same functions."""
    k = kpis(store, filters, currency=currency, rates=rates, now=now)
    lines = [f"Usage {k.range[0]} – {k.range[1]} (previous: {k.previous_range[0]} – {k.previous_range[1]}); "
             f"totals in {currency} at {rates.describe()}"]
    for m in k.row_spend + k.row_range:
        delta = m.delta_text()
        lines.append(f"  {m.label:<24} {m.text():>18}" + (f"   Δ {delta}" if delta else ""))
        if isinstance(m, SpendMetric) and m.amounts:
            lines.append(f"  {'':<24} {m.breakdown}")
    if k.unpriced:
        lines.append(f"  {k.unpriced:,} request(s) counted at their estimate (no reported cost yet).")
    return "\n".join(lines)

