"""Chart data frames (each a few thousand rows at most), aggregated in SQL from the rollups.

The frames are made to be drawn: their column keys are English and stable (the page names them for the reader
at display), while the few texts inside the data, "(none)" for a missing split value and the per-currency
amounts, are in the reader's language and locale."""

from __future__ import annotations

from collections import defaultdict

from easel.core.i18n import _
from easel.store import rollup_schema as us
from easel.usage.currency import Rates, breakdown_label
from easel.usage.days import date_of
from easel.usage.filters import Filters, SPLITS
from easel.usage.kpis import latency_hist, total_in
from easel.usage.latency_buckets import bucket_mid, percentile_from_hist

__all__ = ["cumulative", "daily", "errors", "latency", "pandas_module", "top_prompts"]


def pandas_module():
    import pandas as pd

    return pd


def daily(store, filters: Filters, *, split: str = "provider", currency: str = "CNY", rates: Rates = Rates(),
          now=None):
    """Per usage day and split value: requests, images, spend converted to `currency`, and the native amounts."""
    if split not in SPLITS:
        raise ValueError(_("split must be one of {splits}").format(splits=", ".join(SPLITS)))
    f = filters.resolved(store, now)
    where, args = f.where()
    acc: dict[tuple, dict] = {}
    for day, part, cur, req, img, cost in store.query(
            f"SELECT day, {split}, currency, SUM(requests), SUM(images), SUM(cost) FROM usage_daily{where} "
            f"GROUP BY day, {split}, currency", args):
        a = acc.setdefault((day, part or _("(none)")), {"requests": 0, "images": 0, "amounts": defaultdict(float)})
        a["requests"] += req
        a["images"] += img
        a["amounts"][cur] += cost
    rows = []
    for (day, part), a in sorted(acc.items()):
        total, _unconverted = total_in(a["amounts"], currency, rates)
        rows.append({"date": date_of(day), "part": part, "requests": a["requests"], "images": a["images"],
                     "cost": total, "native": breakdown_label(dict(a["amounts"]))})
    pd = pandas_module()
    frame = pd.DataFrame(rows, columns=["date", "part", "requests", "images", "cost", "native"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def cumulative(daily_frame):
    """Running spend per split value over every day of the frame (missing days carry the total forward)."""
    pd = pandas_module()
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
    rows = latency_hist(store, f, f.start, f.end, by="provider, quality")
    per: dict[tuple, list] = defaultdict(list)
    hist: dict[tuple, int] = defaultdict(int)
    for provider, quality, bucket, n in rows:
        per[(provider, quality or _("(none)"))].append((bucket, n))
        hist[(provider, bucket)] += n
    pd = pandas_module()
    h = pd.DataFrame([{"provider": p, "bucket": b, "seconds": bucket_mid(b), "count": n}
                      for (p, b), n in sorted(hist.items())], columns=["provider", "bucket", "seconds", "count"])
    pct = pd.DataFrame([{"provider": p, "quality": q, "group": f"{p} · {q}", "requests": sum(n for _bucket, n in v),
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
    for day, status, code, n in store.query(
            f"SELECT day, status, error_code, SUM(requests) FROM usage_daily{where} "
            f"{'AND' if where else 'WHERE'} status IN ({', '.join('?' for _status in finished)}) "
            "GROUP BY day, status, error_code", [*args, *finished]):
        totals[day] += n
        if status != "completed":
            fails[(day, code or status)] += n
    pd = pandas_module()
    frame = pd.DataFrame([{"date": date_of(d), "error_code": c, "failures": n, "finished": totals[d],
                           "rate": n / totals[d]} for (d, c), n in sorted(fails.items())],
                         columns=["date", "error_code", "failures", "finished", "rate"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def top_prompts(store, filters: Filters, *, limit: int = 20, now=None):
    """The most requested prompts in the range (the status filter does not apply: failures are a column), most
    requests first, ties by the prompt first logged.

    The walk over prompts by all-time count (easel/store/rollup_schema.py, migration 4) reads a batch of
    prompts asked at least twice, sums each one's range, and stops once no prompt left can reach the list:
    one whose all-time count is below the current 20th range count cannot beat it. Prompts asked only once
    fill the list if it is short, newest first. So with a log of unique prompts the page reads about 20 rows."""
    f = filters.resolved(store, now)
    where, args = f.where(statuses=False)
    best: dict[int, tuple[int, int, int]] = {}
    cursor = (None, None)
    while True:
        after = "" if cursor[0] is None else "AND (requests < ? OR (requests = ? AND id > ?)) "
        batch = store.query(f"SELECT id, requests FROM usage_prompts WHERE requests >= 2 {after}"
                            "ORDER BY requests DESC, id LIMIT ?",
                            ([] if cursor[0] is None else [cursor[0], cursor[0], cursor[1]]) + [_PROMPT_BATCH])
        if not batch:
            break
        ids = [r[0] for r in batch]
        for pid, req, img, bad in store.query(
                f"SELECT prompt_id, SUM(requests), SUM(images), SUM(failed) FROM usage_prompt_daily"
                f"{where}{' AND' if where else ' WHERE'} prompt_id IN ({', '.join('?' for _id in ids)}) "
                "GROUP BY prompt_id", [*args, *ids]):
            if req > 0:
                best[pid] = (req, img, bad)
        cursor = (batch[-1][1], batch[-1][0])
        ranked = sorted(best, key=lambda p: (-best[p][0], p))
        best = {p: best[p] for p in ranked[:limit]}
        if len(ranked) >= limit:
            kth = ranked[limit - 1]
            if cursor[0] < best[kth][0] or (cursor[0] == best[kth][0] and cursor[1] >= kth):
                break
    order = sorted(best, key=lambda p: (-best[p][0], p))
    if len(order) < limit:
        # CROSS JOIN keeps the days as the outer loop: read newest first, stop at the LIMIT.
        d_where = where.replace(" WHERE ", " AND ", 1) if where else ""
        for pid, req, img, bad in store.query(
                "SELECT d.prompt_id, d.requests, d.images, d.failed FROM usage_prompt_daily d "
                f"CROSS JOIN usage_prompts p ON p.id = d.prompt_id WHERE p.requests = 1 AND d.requests > 0{d_where} "
                "ORDER BY d.day DESC, d.prompt_id DESC LIMIT ?", [*args, limit - len(order)]):
            best[pid] = (req, img, bad)
            order.append(pid)
    texts = dict(store.query(f"SELECT id, prompt FROM usage_prompts WHERE id IN ({', '.join('?' for _id in order)})",
                             order)) if order else {}
    total = store.query(f"SELECT COALESCE(SUM(requests), 0) FROM usage_daily{where}", args)[0][0]
    pd = pandas_module()
    return pd.DataFrame([{"prompt": texts[p], "requests": best[p][0], "images": best[p][1], "failed": best[p][2],
                          "share": best[p][0] / total if total else 0.0} for p in order],
                        columns=["prompt", "requests", "images", "failed", "share"])


_PROMPT_BATCH = 200
