"""Chart data frames (each a few thousand rows at most), aggregated in SQL from the rollups."""

from __future__ import annotations

from collections import defaultdict

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
        raise ValueError(f"split must be one of {SPLITS}")
    f = filters.resolved(store, now)
    where, args = f.where()
    acc: dict[tuple, dict] = {}
    for day, part, cur, req, img, cost in store.query(
            f"SELECT day, {split}, currency, SUM(requests), SUM(images), SUM(cost) FROM usage_daily{where} "
            f"GROUP BY day, {split}, currency", args):
        a = acc.setdefault((day, part or "(none)"), {"requests": 0, "images": 0, "amounts": defaultdict(float)})
        a["requests"] += req
        a["images"] += img
        a["amounts"][cur] += cost
    rows = []
    for (day, part), a in sorted(acc.items()):
        total, _ = total_in(a["amounts"], currency, rates)
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
        per[(provider, quality or "(none)")].append((bucket, n))
        hist[(provider, bucket)] += n
    pd = pandas_module()
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
    for day, status, code, n in store.query(
            f"SELECT day, status, error_code, SUM(requests) FROM usage_daily{where} "
            f"{'AND' if where else 'WHERE'} status IN ({', '.join('?' for _ in finished)}) "
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
    """The most requested prompts in the range (the status filter does not apply: failures are a column)."""
    f = filters.resolved(store, now)
    where, args = f.where(statuses=False)
    rows = store.query(
        f"SELECT t.prompt_id, t.requests, t.images, t.failed, p.prompt FROM (SELECT prompt_id, SUM(requests) AS "
        f"requests, SUM(images) AS images, SUM(failed) AS failed FROM usage_prompt_daily{where} GROUP BY prompt_id "
        "ORDER BY requests DESC, prompt_id LIMIT ?) t JOIN usage_prompts p ON p.id = t.prompt_id "
        "ORDER BY t.requests DESC, t.prompt_id", [*args, limit])
    total = store.query(f"SELECT COALESCE(SUM(requests), 0) FROM usage_prompt_daily{where}", args)[0][0]
    pd = pandas_module()
    return pd.DataFrame([{"prompt": r[4], "requests": r[1], "images": r[2], "failed": r[3],
                          "share": r[1] / total if total else 0.0} for r in rows],
                        columns=["prompt", "requests", "images", "failed", "share"])
