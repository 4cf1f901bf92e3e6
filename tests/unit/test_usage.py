"""The usage log's numbers: rollups kept by triggers equal plain-Python totals over the jobs rows, KPIs and chart
data equal independently computed figures, and the CSV export holds one row per request, failures included."""

from __future__ import annotations

import csv
import io
import math
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from easel import usage
from easel.usage import seed as usage_seed
from easel.usage.currency import Rates
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

UTC = timezone.utc
BJ = 8 * 3600
# Wednesday 11 March 2026, 12:00 Beijing.
NOW = datetime(2026, 3, 11, 4, 0, tzinfo=UTC).timestamp()
TODAY = date(2026, 3, 11)


def bj_day(ts: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int((ts + BJ) // 86400))


def spend(row) -> float:
    """The documented rule: actual, else 0 for failed/cancelled, else the estimate."""
    if row["cost_actual"] is not None:
        return row["cost_actual"]
    if row["status"] in ("failed", "cancelled"):
        return 0.0
    return row["cost_estimated"] or 0.0


def all_jobs(store):
    return [dict(r) for r in store.query("SELECT * FROM jobs")]


def daily_table(store):
    return {tuple(r[:12]): tuple(r[12:]) for r in store.query("SELECT * FROM usage_daily")}


def assert_tables_close(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], abs=1e-9), k


@pytest.fixture
def store():
    return Store()


def _lifecycle(store, rng: random.Random, count: int = 60):
    ids = []
    for i in range(count):
        provider = rng.choice(["icodeeasy", "qcode", "openai-hk", "gccai"])
        currency = {"icodeeasy": "CNY", "qcode": "USD", "openai-hk": "credits", "gccai": "USD"}[provider]
        jid = store.create_job(provider=provider, status="queued", model="gpt-image-2",
                               endpoint=rng.choice(["generations", "edits"]), mode=rng.choice(["sync", "async"]),
                               prompt=rng.choice(["a cat", "a dog", "a fox"]), size=rng.choice(["1024x1024", "2048x2048", "16:9"]),
                               resolution=rng.choice([None, "2k"]), quality=rng.choice(["low", "high"]), n=rng.choice([1, 2, 4]),
                               cost_estimated=rng.choice([None, 0.2, 800.0]), currency=currency,
                               key_fingerprint=rng.choice(["fp-a", "fp-b"]), simulated=rng.random() < 0.3,
                               created_at=NOW - rng.uniform(0, 20 * 86400))
        ids.append(jid)
        store.update_job(jid, status="running", progress=10)
        end = rng.random()
        if end < 0.6:
            store.update_job(jid, status="completed", latency_s=rng.uniform(0.005, 400), cost_actual=rng.uniform(0, 3))
        elif end < 0.8:
            store.update_job(jid, status="failed", error_code=rng.choice(["rate_limit_error", "server_error"]),
                             latency_s=rng.uniform(0.1, 2), cost_actual=0.0)
        elif end < 0.9:
            store.update_job(jid, status="cancelled")
    for jid in rng.sample(ids, 5):
        with store._write() as conn:
            conn.execute("DELETE FROM jobs WHERE id = ?", (jid,))


def test_rollups_follow_inserts_updates_and_deletes(store):
    _lifecycle(store, random.Random(4))
    jobs = all_jobs(store)
    expected = defaultdict(lambda: [0, 0, 0.0, 0.0, 0.0, 0, 0.0, 0])
    for j in jobs:
        res = j["resolution"] or {"1024x1024": "1k", "2048x2048": "2k"}.get(j["size"], j["size"])
        key = ((bj_day(j["created_at"]) - date(1970, 1, 1)).days, j["provider"], j["model"], j["endpoint"], j["mode"],
               j["quality"], res, j["status"], j["error_code"] or "", j["currency"], j["simulated"], j["key_fingerprint"])
        e = expected[key]
        e[0] += 1
        e[1] += j["n"] if j["status"] == "completed" else 0
        e[2] += spend(j)
        e[3] += j["cost_actual"] or 0
        e[4] += j["cost_estimated"] or 0
        e[5] += int(j["cost_actual"] is None and j["status"] not in ("failed", "cancelled"))
        e[6] += j["latency_s"] or 0
        e[7] += j["latency_s"] is not None
    got = daily_table(store)
    assert_tables_close(got, {k: tuple(v) for k, v in expected.items()})
    # No zero rows linger after rows moved out of a key.
    assert all(v[0] > 0 for v in got.values())
    # A rebuild from the log gives the same tables.
    lat = sorted(tuple(r) for r in store.query("SELECT * FROM usage_latency"))
    prompts = sorted(tuple(r) for r in store.query("SELECT * FROM usage_prompt_daily"))
    usage.rebuild_rollups(store)
    assert_tables_close(daily_table(store), got)
    assert sorted(tuple(r) for r in store.query("SELECT * FROM usage_latency")) == lat
    assert sorted(tuple(r) for r in store.query("SELECT * FROM usage_prompt_daily")) == prompts


def test_bulk_insert_equals_per_row_triggers(new_store):
    rows = usage_seed.generate_rows(400, days=10, seed=2, now=NOW)
    bulk, slow = new_store("bulk.db"), new_store("slow.db")
    usage_seed.bulk_insert(bulk, rows)
    cols = usage_seed.COLUMNS
    with slow._write() as conn:
        conn.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", rows)
    assert_tables_close(daily_table(bulk), daily_table(slow))
    # Prompts by their text: which id a prompt gets from a bulk merge is the engine's DISTINCT order.
    for sql in ("SELECT * FROM usage_latency",
                "SELECT d.day, p.prompt, d.provider, d.key_fingerprint, d.simulated, d.requests, d.images, d.failed "
                "FROM usage_prompt_daily d JOIN usage_prompts p ON p.id = d.prompt_id"):
        assert sorted(map(tuple, bulk.query(sql))) == sorted(map(tuple, slow.query(sql)))
    assert bulk.query("SELECT bulk FROM usage_config")[0][0] == 0
    assert usage_seed.clear_seeded(bulk) == 400
    assert bulk.query("SELECT COUNT(*) FROM usage_daily")[0][0] == 0


def test_seeded_rows_are_simulated_terminal_and_within_qcode_cap(store):
    # 12,000 requests in a day and a half ask QCode's (at most 12) keys for ~150 images a key a day, more than
    # the 100-image cap, so every key-day reaches it and the rest are refused: a looser cap would show here.
    rows = usage_seed.generate_rows(12_000, days=2, seed=9, now=NOW)
    usage_seed.bulk_insert(store, rows)
    jobs = all_jobs(store)
    assert all(j["simulated"] == 1 and j["id"].startswith("seed-") and j["followed"] == 0 for j in jobs)
    assert {j["status"] for j in jobs} <= {"completed", "failed", "timed_out", "cancelled"}
    assert max(j["created_at"] for j in jobs) <= NOW
    per_key_day = Counter()
    refused = Counter()
    for j in jobs:
        slot = (j["key_fingerprint"], bj_day(j["created_at"]))
        if j["provider"] == "qcode" and j["status"] == "completed":
            per_key_day[slot] += j["n"]
        if j["provider"] == "qcode" and j["error_code"] == "image_daily_limit":
            refused[slot] += 1
    assert len(per_key_day) == 24 and set(per_key_day.values()) == {100}
    # Only a key-day that is full refuses.
    assert refused and set(refused) <= set(per_key_day)
    assert {j["provider"] for j in jobs} == {"icodeeasy", "qcode", "gccai", "openai-hk", "openai"}


def _row(store, at: float, *, provider="icodeeasy", currency="CNY", status="completed", n=1, actual=None,
         estimate=None, latency=None, code=None, key="fp-a", simulated=False, prompt="p", quality="low"):
    jid = store.create_job(provider=provider, status=status, n=n, cost_estimated=estimate, currency=currency,
                           key_fingerprint=key, simulated=simulated, created_at=at, prompt=prompt, quality=quality)
    store.update_job(jid, cost_actual=actual, latency_s=latency, error_code=code)
    return jid


def test_kpis_equal_independent_totals(store):
    rng = random.Random(11)
    start_of_today = datetime(2026, 3, 10, 16, 0, tzinfo=UTC).timestamp()
    # Rows over 70 days, in three units, with failures, cancellations and unreported costs.
    for _ in range(900):
        provider, currency = rng.choice([("icodeeasy", "CNY"), ("qcode", "USD"), ("openai-hk", "credits")])
        status = rng.choices(["completed", "failed", "cancelled", "timed_out", "running"], [80, 10, 3, 3, 4])[0]
        est = {"CNY": 0.2, "USD": 0.08, "credits": 3000.0}[currency]
        actual = None if status in ("running", "timed_out") or rng.random() < 0.1 else (
            0.0 if status != "completed" else est * rng.uniform(0.9, 1.3))
        _row(store, NOW - rng.uniform(0, 70 * 86400), provider=provider, currency=currency, status=status,
             n=rng.choice([1, 2]), actual=actual, estimate=est,
             latency=rng.lognormvariate(3.5, 0.5) if status in ("completed", "failed") else None,
             code="server_error" if status == "failed" else None)
    # The Beijing-midnight edge: 15:59:59 UTC is yesterday, 16:00:00 UTC is today.
    _row(store, start_of_today - 1, actual=5.0, estimate=5.0)
    _row(store, start_of_today, actual=7.0, estimate=7.0)

    rates = Rates(7.0)
    k = usage.kpis(store, usage.Filters(), currency="USD", rates=rates, now=NOW)
    jobs = all_jobs(store)

    def amounts(lo: date, hi: date) -> dict:
        acc = defaultdict(float)
        for j in jobs:
            if lo <= bj_day(j["created_at"]) <= hi:
                acc[j["currency"]] += spend(j)
        return acc

    def in_usd(a: dict) -> float:
        return a["USD"] + a["CNY"] / 7.0 + a["credits"] / 71_000

    monday = TODAY - timedelta(days=TODAY.weekday())
    cases = {"today": ((TODAY, TODAY), (TODAY - timedelta(days=1),) * 2),
             "week": ((monday, TODAY), (monday - timedelta(days=7), TODAY - timedelta(days=7))),
             "month": ((date(2026, 3, 1), TODAY), (date(2026, 2, 1), date(2026, 2, 11)))}
    for name, (cur, prev) in cases.items():
        m = getattr(k, name)
        assert m.value == pytest.approx(in_usd(amounts(*cur))), name
        assert m.previous == pytest.approx(in_usd(amounts(*prev))), name
        assert m.amounts == pytest.approx({c: v for c, v in amounts(*cur).items()}), name
    assert amounts(TODAY, TODAY)["CNY"] >= 7.0 and k.today.amounts["CNY"] == pytest.approx(amounts(TODAY, TODAY)["CNY"])

    lo, hi = TODAY - timedelta(days=29), TODAY
    sel = [j for j in jobs if lo <= bj_day(j["created_at"]) <= hi]
    prev = [j for j in jobs if lo - timedelta(days=30) <= bj_day(j["created_at"]) <= lo - timedelta(days=1)]
    images = sum(j["n"] for j in sel if j["status"] == "completed")
    ok = sum(j["status"] == "completed" for j in sel)
    bad = sum(j["status"] in ("failed", "timed_out", "interrupted") for j in sel)
    assert k.range == (lo, hi)
    assert k.images.value == images
    assert k.images.previous == sum(j["n"] for j in prev if j["status"] == "completed")
    assert k.requests.value == len(sel)
    assert k.success_rate.value == pytest.approx(ok / (ok + bad))
    assert k.cost_per_image.value == pytest.approx(in_usd(amounts(lo, hi)) / images)
    assert k.unpriced == sum(j["cost_actual"] is None and j["status"] not in ("failed", "cancelled") for j in sel)

    lat = sorted(j["latency_s"] for j in sel if j["status"] == "completed" and j["latency_s"] is not None)
    exact = lat[math.ceil(0.5 * len(lat)) - 1]
    assert k.median_latency.value == pytest.approx(usage.bucket_mid(usage.bucket_of(exact)))
    assert abs(k.median_latency.value - exact) / exact < 0.06

    # The CLI prints the same figures.
    text = usage.report_text(store, usage.Filters(), currency="USD", rates=rates, now=NOW)
    assert k.today.text() in text and k.images.text() in text and k.success_rate.text() in text


def test_filters_narrow_every_figure(store):
    _row(store, NOW - 60, provider="icodeeasy", actual=0.4, key="fp-a")
    _row(store, NOW - 50, provider="qcode", currency="USD", actual=0.08, key="fp-q")
    _row(store, NOW - 40, provider="qcode", currency="USD", actual=0.2, key="fp-q", simulated=True)
    _row(store, NOW - 30, provider="qcode", currency="USD", status="failed", actual=0.0, key="fp-q", code="x")
    f = usage.Filters(providers=("qcode",))
    k = usage.kpis(store, f, currency="USD", now=NOW)
    assert k.today.value == pytest.approx(0.28)
    assert usage.kpis(store, usage.Filters(providers=("qcode",), include_simulated=False), currency="USD",
                      now=NOW).today.value == pytest.approx(0.08)
    assert usage.kpis(store, usage.Filters(keys=("fp-a",)), currency="CNY", now=NOW).today.value == pytest.approx(0.4)
    assert usage.kpis(store, usage.Filters(statuses=("failed",)), now=NOW).images.value == 0
    assert usage.count_requests(store, f, now=NOW) == 3
    assert usage.count_simulated(store, usage.Filters(), now=NOW) == 1
    page = usage.requests_page(store, f, now=NOW)
    assert list(page["provider"]) == ["qcode"] * 3 and list(page["status"])[0] == "failed"


def test_day_offset_moves_the_day_boundary(store):
    edge = datetime(2026, 3, 10, 16, 0, tzinfo=UTC).timestamp()
    _row(store, edge - 1, actual=1.0)
    _row(store, edge, actual=2.0)
    assert usage.spend_on_day(store, date(2026, 3, 10)) == {"CNY": 1.0}
    assert usage.spend_on_day(store, date(2026, 3, 11)) == {"CNY": 2.0}
    usage.set_day_offset(store, 0)              # report in UTC days: both fall on 10 March
    assert usage.spend_on_day(store, date(2026, 3, 10)) == {"CNY": 3.0}
    with pytest.raises(ValueError):
        usage.set_day_offset(store, 15 * 3600)


def test_bucket_rule_matches_the_sql_table(store):
    values = [0.001, 0.0099, 0.01, 0.5, 1.0, 12.3, 59.99, 60, 100.0, 599.0, 9999.0, 20000.0]
    values += [0.01 * 10 ** (k / 20) for k in range(0, 120, 7)]
    for v in values:
        sql = store.query("SELECT idx FROM usage_latency_buckets WHERE lo <= ? ORDER BY lo DESC LIMIT 1", (v,))[0][0]
        assert usage.bucket_of(v) == sql, v
        if 0.01 <= v < 10_000:
            assert abs(usage.bucket_mid(sql) - v) / v < 0.06


def test_chart_frames_equal_counts(store):
    jobs = []
    rng = random.Random(5)
    for i in range(300):
        status = rng.choice(["completed", "completed", "completed", "failed"])
        code = rng.choice(["rate_limit_error", "server_error"]) if status == "failed" else None
        at = NOW - rng.uniform(0, 9.4 * 86400)       # all inside the 10-day range below
        prompt = rng.choice(["a cat", "a dog", "a fox", "![x](http://evil/t.png)"])
        quality = rng.choice(["low", "high"])
        provider = rng.choice(["icodeeasy", "qcode"])
        latency = rng.uniform(1, 90)
        _row(store, at, provider=provider, currency="CNY", status=status, n=2, actual=0.1 if status == "completed" else 0,
             latency=latency, code=code, prompt=prompt, quality=quality)
        jobs.append((at, status, code, prompt, quality, provider, latency))
    f = usage.Filters(start=TODAY - timedelta(days=9), end=TODAY)

    d = usage.daily(store, f, split="quality", currency="CNY", now=NOW)
    exp = Counter()
    for at, status, _, _, quality, *_ in jobs:
        exp[(bj_day(at), quality)] += 2 if status == "completed" else 0
    assert {(r.date.date(), r.part): r.images for r in d.itertuples()} == {k: v for k, v in exp.items()}
    assert d["cost"].sum() == pytest.approx(0.1 * sum(s == "completed" for _, s, *_ in jobs))

    cum = usage.cumulative(d)
    assert cum.groupby("part")["cumulative"].max().sum() == pytest.approx(d["cost"].sum())

    e = usage.errors(store, f, now=NOW)
    fails, finished = Counter(), Counter()
    for at, status, code, *_ in jobs:
        finished[bj_day(at)] += 1
        if status == "failed":
            fails[(bj_day(at), code)] += 1
    assert {(r.date.date(), r.error_code): (r.failures, r.rate) for r in e.itertuples()} == \
        {k: (v, pytest.approx(v / finished[k[0]])) for k, v in fails.items()}

    top = usage.top_prompts(store, f, now=NOW)
    counts = Counter(j[3] for j in jobs)
    assert dict(zip(top["prompt"], top["requests"])) == counts      # the markdown-looking prompt is plain data
    assert list(top["requests"]) == sorted(top["requests"], reverse=True)
    assert top["share"].sum() == pytest.approx(1.0)

    hist, pct = usage.latency(store, f, now=NOW)
    assert hist["count"].sum() == sum(s == "completed" for _, s, *_ in jobs)
    for r in pct.itertuples():
        lat = sorted(j[6] for j in jobs if (j[5], j[4], j[1]) == (r.provider, r.quality, "completed"))
        assert r.requests == len(lat)
        assert r.p95 == pytest.approx(usage.bucket_mid(usage.bucket_of(lat[math.ceil(0.95 * len(lat)) - 1])))


def test_export_csv_one_row_per_request_failures_included(store):
    ok = _row(store, NOW - 100, provider="gccai", currency="USD", actual=0.05, estimate=None, latency=61.5)
    store.update_job(ok, task_ids_json=["t-1", "t-2"], mode="async")
    _row(store, NOW - 50, provider="qcode", currency="USD", status="failed", actual=0.0, estimate=0.08,
         latency=0.4, code="image_daily_limit")
    _row(store, NOW - 10, provider="qcode", currency="USD", status="running", estimate=0.08)
    text = usage.export_csv(store)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:17] == ["created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality",
                            "n", "status", "error_code", "latency_s", "cost_estimated", "cost_actual", "currency",
                            "task_id", "key_fingerprint"]
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["status"] for r in body] == ["completed", "failed", "running"]      # oldest first
    assert body[0]["task_id"] == "t-1;t-2" and body[0]["cost_estimated"] == "" and body[0]["latency_s"] == "61.5"
    assert body[1]["error_code"] == "image_daily_limit" and body[1]["cost_actual"] == "0.0"
    assert body[0]["created_at"] == datetime.fromtimestamp(NOW - 100, UTC).isoformat(timespec="milliseconds")
    assert len(list(csv.reader(io.StringIO(usage.export_csv(store, provider="qcode"))))) == 3
    assert len(list(csv.reader(io.StringIO(usage.export_csv(store, since=NOW - 60, until=NOW - 20))))) == 2


def test_spend_kpis_say_how_much_of_them_is_simulated(store):
    """Demo amounts are part of a spend figure only when shown, and each spend KPI carries its simulated part
    (converted like the total), so the page can say 'incl. … simulated' or 'simulated, not charged'."""
    assert not usage.has_real_usage(store)
    _row(store, NOW - 60, provider="qcode", currency="USD", actual=0.5, simulated=True)
    _row(store, NOW - 50, provider="demo", currency="USD", actual=0.25, simulated=True)
    assert not usage.has_real_usage(store)
    only_sim = usage.kpis(store, usage.Filters(), currency="CNY", rates=Rates(7.0), now=NOW)
    assert only_sim.today.simulated == pytest.approx(0.75 * 7.0) == pytest.approx(only_sim.today.value)
    assert only_sim.today.all_simulated and only_sim.spend.all_simulated

    _row(store, NOW - 40, provider="icodeeasy", currency="CNY", actual=2.0)
    assert usage.has_real_usage(store)
    mixed = usage.kpis(store, usage.Filters(), currency="CNY", rates=Rates(7.0), now=NOW)
    assert mixed.today.value == pytest.approx(2.0 + 0.75 * 7.0)           # the total is unchanged by the split
    assert mixed.today.simulated == pytest.approx(0.75 * 7.0)
    assert mixed.today.simulated_amounts == pytest.approx({"USD": 0.75})
    assert not mixed.today.all_simulated
    real = usage.kpis(store, usage.Filters(include_simulated=False), currency="CNY", rates=Rates(7.0), now=NOW)
    assert real.today.value == pytest.approx(2.0) and real.today.simulated == 0


def _usage_charts():
    """The page's chart builders (components/ sits beside app.py, not in the installed package)."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    from components import usage_charts

    return usage_charts


def _bar_fraction(spec: dict) -> float:
    """How much of the plot's width one day's bar takes, from the spec: its band share of one day, over the
    number of days the x scale spans."""
    x = spec["encoding"]["x"]
    lo, hi = (date(d["year"], d["month"], d["date"]) for d in x["scale"]["domain"])
    return spec["mark"]["timeUnitBandSize"] / (hi - lo).days


def test_one_day_of_data_is_one_narrow_bar_with_a_tick_per_day():
    """The old chart took its x domain from the data: one day of data was one block across the whole chart,
    with that date under every tick. Now the axis spans the selected range (a week at least), in UTC days, with
    a tick per day, and a bar takes 80 % of its day."""
    import pandas as pd

    uc = _usage_charts()

    frame = pd.DataFrame([{"date": pd.Timestamp("2026-03-11"), "part": "qcode", "requests": 1, "images": 1,
                           "cost": 0.2, "native": "USD 0.03"}])
    default = uc.volume_chart(frame, "images", "CNY", "provider", days=(TODAY - timedelta(days=29), TODAY)).to_dict()
    x = default["encoding"]["x"]
    assert x["type"] == "temporal" and x["timeUnit"] == "utcyearmonthdate"
    assert x["axis"]["tickCount"] == {"interval": "day", "step": 1}
    assert x["scale"]["domain"][0] == {"year": 2026, "month": 2, "date": 10, "utc": True}
    assert x["scale"]["domain"][1] == {"year": 2026, "month": 3, "date": 12, "utc": True}    # the last day's end
    assert _bar_fraction(default) == pytest.approx(0.8 / 30)
    one_day = uc.volume_chart(frame, "images", "CNY", "provider", days=(TODAY, TODAY)).to_dict()
    assert _bar_fraction(one_day) == pytest.approx(0.8 / 7)
    assert _bar_fraction(one_day) < 0.5
    # The spend, cumulative and error charts share the axis.
    assert uc.volume_chart(frame, "cost", "CNY", "provider", days=(TODAY, TODAY)).to_dict()["encoding"]["x"] == \
        one_day["encoding"]["x"]
    assert uc.error_chart(frame.assign(error_code="x", failures=1, finished=1, rate=1.0),
                          days=(TODAY, TODAY)).to_dict()["encoding"]["x"]["timeUnit"] == "utcyearmonthdate"
