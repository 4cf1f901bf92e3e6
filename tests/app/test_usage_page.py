"""The Usage page under AppTest, against a generated usage log in a real SQLite file: its KPIs and the data its
charts receive equal totals computed here in plain Python over the inserted rows."""

from __future__ import annotations

import io
import json
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from PIL import Image

from easel.usage import seed as usage_seed
from easel.core.models import ImageOut
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
BJ = 8 * 3600
COL = {c: i for i, c in enumerate(usage_seed.COLUMNS)}


def bj_day(ts: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int((ts + BJ) // 86400))


def spend(r) -> float:
    if r[COL["cost_actual"]] is not None:
        return r[COL["cost_actual"]]
    if r[COL["status"]] in ("failed", "cancelled"):
        return 0.0
    return r[COL["cost_estimated"]] or 0.0


def to_cny(amounts: dict) -> float:
    # The default conversion: 1 USD = 7.1 CNY; 1 credit = 1/71,000 USD.
    return amounts.get("CNY", 0) + amounts.get("USD", 0) * 7.1 + amounts.get("credits", 0) * 7.1 / 71_000


def money(text: str) -> float:
    unit, _, amount = text.partition(" ")
    assert unit == "CNY", text
    return float(amount.replace(",", ""))


@pytest.fixture
def log(easel_data_dir):
    store = Store()
    now = time.time()
    rows = usage_seed.generate_rows(1500, days=45, seed=7, now=now)
    usage_seed.bulk_insert(store, rows)
    # One real (not simulated) request whose prompt looks like markdown: it must stay text.
    real = store.create_job(provider="icodeeasy", status="completed", n=1, cost_estimated=0.2, currency="CNY",
                            prompt="![x](http://attacker.invalid/t.png) **bold**", key_fingerprint="fp-real",
                            quality="medium", created_at=now - 5)
    store.update_job(real, cost_actual=0.2, latency_s=30.0)
    png = io.BytesIO()
    Image.new("RGB", (600, 400), (200, 30, 30)).save(png, format="PNG")
    store.add_image(real, 0, ImageOut(data=png.getvalue(), width=600, height=400, mime="image/png"))
    real_row = [None] * len(usage_seed.COLUMNS)
    for c, v in dict(created_at=now - 5, status="completed", n=1, cost_actual=0.2, cost_estimated=0.2, currency="CNY",
                     provider="icodeeasy", simulated=0, latency_s=30.0, quality="medium",
                     prompt="![x](http://attacker.invalid/t.png) **bold**").items():
        real_row[COL[c]] = v
    return store, rows + [tuple(real_row)]


def run_page(**widgets):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=120)
    at.run()
    if widgets:
        for key, value in widgets.items():
            at.session_state[key] = value
        at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def chart_frame(at, title: str):
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        t = spec.get("title")
        if t == title or (isinstance(t, dict) and t.get("text") == title):
            assert len(el.proto.datasets) == 1
            return pa.ipc.open_stream(io.BytesIO(el.proto.datasets[0].data.data)).read_all().to_pandas()
    raise AssertionError(f"no chart titled {title!r}")


SHOW_SIM = {"easel.usage.sim": True}


def request_table(at):
    """The request log's table (the Requests tab also holds the top prompts)."""
    tables = [d.value for d in at.dataframe if "thumbnail" in d.value.columns]
    assert len(tables) == 1
    return tables[0]


def test_kpis_equal_plain_python_totals(log):
    store, rows = log
    at = run_page(**SHOW_SIM)
    today = bj_day(time.time())
    lo = today - timedelta(days=29)

    def amounts(a: date, b: date, only=lambda r: True) -> dict:
        acc = defaultdict(float)
        for r in rows:
            if a <= bj_day(r[COL["created_at"]]) <= b and only(r):
                acc[r[COL["currency"]]] += spend(r)
        return acc

    m = metrics(at)
    assert money(m["Spend today"][0]) == pytest.approx(to_cny(amounts(today, today)), abs=0.006)
    monday = today - timedelta(days=today.weekday())
    assert money(m["Spend this week"][0]) == pytest.approx(to_cny(amounts(monday, today)), abs=0.006)
    assert money(m["Spend this month"][0]) == pytest.approx(to_cny(amounts(today.replace(day=1), today)), abs=0.006)
    assert money(m["Spend in range"][0]) == pytest.approx(to_cny(amounts(lo, today)), abs=0.006)

    sel = [r for r in rows if lo <= bj_day(r[COL["created_at"]]) <= today]
    images = sum(r[COL["n"]] for r in sel if r[COL["status"]] == "completed")
    ok = sum(r[COL["status"]] == "completed" for r in sel)
    bad = sum(r[COL["status"]] in ("failed", "timed_out", "interrupted") for r in sel)
    assert m["Images"][0] == f"{images:,}"
    assert m["Success rate"][0] == f"{ok / (ok + bad) * 100:.1f}%"
    assert money(m["Average cost per image"][0]) == pytest.approx(to_cny(amounts(lo, today)) / images, abs=0.006)
    prev_images = sum(r[COL["n"]] for r in rows if r[COL["status"]] == "completed"
                      and lo - timedelta(days=30) <= bj_day(r[COL["created_at"]]) < lo)
    assert m["Images"][1].replace("+", "").replace("-", "").split(" ")[0] == f"{abs(images - prev_images):,}"

    # Simulated usage is labelled, and the table marks the real row as not Demo.
    assert any("simulated" in i.value for i in at.info)


def test_chart_data_equals_plain_python_totals(log):
    store, rows = log
    at = run_page(**SHOW_SIM)
    today = bj_day(time.time())
    lo = today - timedelta(days=29)
    sel = [r for r in rows if lo <= bj_day(r[COL["created_at"]]) <= today]

    images = chart_frame(at, "Images per day")
    exp = Counter()
    for r in sel:
        exp[(bj_day(r[COL["created_at"]]), r[COL["provider"]])] += r[COL["n"]] if r[COL["status"]] == "completed" else 0
    got = {(d.date(), p): n for d, p, n in zip(images["date"], images["part"], images["images"])}
    assert got == dict(exp)
    assert len(images) <= 5000

    per_day_cny = defaultdict(lambda: defaultdict(float))
    for r in sel:
        per_day_cny[(bj_day(r[COL["created_at"]]), r[COL["provider"]])][r[COL["currency"]]] += spend(r)
    cost = chart_frame(at, "Spend per day (CNY)")
    for d, p, c in zip(cost["date"], cost["part"], cost["cost"]):
        assert c == pytest.approx(to_cny(per_day_cny[(d.date(), p)]))

    cum = chart_frame(at, "Cumulative spend (CNY)")
    total = sum(to_cny(v) for v in per_day_cny.values())
    assert cum.groupby("part")["cumulative"].max().sum() == pytest.approx(total)

    errors = chart_frame(at, "Error rate by code")
    fails, finished = Counter(), Counter()
    for r in sel:
        st = r[COL["status"]]
        if st in ("completed", "failed", "timed_out", "interrupted"):
            finished[bj_day(r[COL["created_at"]])] += 1
        if st in ("failed", "timed_out", "interrupted"):
            fails[(bj_day(r[COL["created_at"]]), r[COL["error_code"]] or st)] += 1
    assert {(d.date(), c): n for d, c, n in zip(errors["date"], errors["error_code"], errors["failures"])} == dict(fails)
    for d, c, rate in zip(errors["date"], errors["error_code"], errors["rate"]):
        assert rate == pytest.approx(fails[(d.date(), c)] / finished[d.date()])

    pct = chart_frame(at, "p50 → p95 latency per provider and quality")
    counts = Counter((r[COL["provider"]], r[COL["quality"]]) for r in sel
                     if r[COL["status"]] == "completed" and r[COL["latency_s"]] is not None)
    assert {(p, q): n for p, q, n in zip(pct["provider"], pct["quality"], pct["requests"])} == dict(counts)


def test_split_switch_and_filters(log):
    store, rows = log
    at = run_page(**{"easel.usage.split": "quality", "easel.usage.providers": ["qcode"], **SHOW_SIM})
    images = chart_frame(at, "Images per day")
    assert set(images["part"]) <= {"low", "medium", "high"}
    today = bj_day(time.time())
    lo = today - timedelta(days=29)
    exp = sum(r[COL["n"]] for r in rows if r[COL["provider"]] == "qcode" and r[COL["status"]] == "completed"
              and lo <= bj_day(r[COL["created_at"]]) <= today)
    assert images["images"].sum() == exp
    assert metrics(at)["Images"][0] == f"{exp:,}"


def test_excluding_demo_usage_leaves_only_real_requests(log):
    at = run_page(**{"easel.usage.sim": False})
    m = metrics(at)
    assert m["Spend today"][0] == "CNY 0.20"
    assert m["Images"][0] == "1"
    assert not any("simulated" in i.value for i in at.info)


def test_with_real_usage_simulated_usage_is_hidden_until_the_toggle_shows_it(log):
    """Demo runs never pass for spend: the log holds a real request, so the page opens on real usage only,
    says how many simulated requests it hides, and the toggle brings them back, labelled."""
    store, rows = log
    at = run_page()
    assert at.toggle(key="easel.usage.sim").value is False
    m = metrics(at)
    assert m["Spend today"][0] == "CNY 0.20" and m["Images"][0] == "1"
    assert chart_frame(at, "Images per day")["images"].sum() == 1
    today = bj_day(time.time())
    hidden = sum(1 for r in rows if r[COL["simulated"]] and today - timedelta(days=29) <= bj_day(r[COL["created_at"]]))
    assert any(f"{hidden:,} simulated Demo requests in this range are hidden" in c.value for c in at.caption)
    assert len(request_table(at)) == 1 and not request_table(at)["simulated"].any()

    at.toggle(key="easel.usage.sim").set_value(True).run()
    assert not at.exception
    assert money(metrics(at)["Spend in range"][0]) > 0.2
    assert any(f"{hidden:,} of these {hidden + 1:,} requests" in i.value and "not charged" in i.value
               for i in at.info)
    # Each spend KPI says how much of it is simulated.
    assert any("simulated" in c.value and "incl." in c.value for c in at.caption)
    assert request_table(at)["simulated"].sum() == min(hidden, 49)


def test_with_only_simulated_usage_it_is_shown_and_labelled_not_charged(easel_data_dir):
    store = Store()
    rows = usage_seed.generate_rows(200, days=10, seed=3, now=time.time())
    usage_seed.bulk_insert(store, rows)
    at = run_page()
    assert at.toggle(key="easel.usage.sim").value is True
    assert money(metrics(at)["Spend in range"][0]) > 0
    assert any("Simulated usage only: nothing here was charged" in w.value for w in at.warning)
    badges = [c.value for c in at.caption if "simulated · not charged" in c.value]
    assert badges, "the spend KPIs carry the simulated badge"


def test_request_table_shows_prompts_as_data_and_offers_csv(log):
    at = run_page(**SHOW_SIM)
    table = request_table(at)
    assert len(table) == 50
    assert table["prompt"].iloc[0].startswith("![x](")          # newest first, the text as typed
    # Its result shows as a small cached thumbnail (a data URL, not the full image); seeded rows have none.
    thumb = table["thumbnail"].iloc[0]
    assert thumb.startswith(("data:image/jpeg;base64,", "data:image/png;base64,")) and len(thumb) < 6000
    assert (table["thumbnail"].iloc[1:] == "").all()                 # an empty cell, not "None"
    for md in at.markdown:
        assert "attacker.invalid" not in md.value
    for cap in at.caption:
        assert "attacker.invalid" not in cap.value
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_request_table_shows_no_none_for_missing_values(log):
    """Seeded rows lack a model, a resolution, an error code or a latency: those cells are an em dash, never
    the word None (or nan)."""
    table = request_table(run_page(**SHOW_SIM))
    shown = table.drop(columns=["thumbnail", "created_at", "simulated", "n", "id", "cost_estimated", "cost_actual"])
    cells = [str(v) for col in shown.columns for v in shown[col]]
    assert not [c for c in cells if c in ("None", "nan", "NaN", "")]
    assert "—" in cells                               # there are missing values, shown as dashes
    assert any(c.endswith(" s") for c in table["latency_s"])     # latency still reads '12.3 s'


def test_an_empty_log_says_how_to_get_data_and_reports_no_change(easel_data_dir):
    """A new user's first visit: zero in both periods is shown as no change (not a red "+0.00" rise), and the
    page says how to get data instead of drawing empty charts silently."""
    at = run_page()
    shown = metrics(at)
    assert shown["Spend today"] == ("CNY 0.00", "")        # AppTest reports "no delta" as ""
    assert shown["Images"] == ("0", "")
    assert any("No requests in this range yet" in i.value for i in at.info)


def test_request_table_pages_by_keyset_newer_and_older(log):
    """Issue 15: Older › and ‹ Newer walk the log a page at a time by keyset cursor; each request shows once."""
    from easel import usage

    store, rows = log
    at = run_page(**SHOW_SIM)
    total = usage.count_requests(store, usage.Filters())
    pages = -(-total // 50)
    assert f"Page 1 of {pages:,} · {total:,} requests" in [t.value for t in at.text]
    assert at.button(key="easel.usage.newer").disabled and not at.button(key="easel.usage.older").disabled
    seen = list(request_table(at)["id"])
    for n in range(2, pages + 1):
        at.button(key="easel.usage.older").click().run()
        assert f"Page {n} of {pages:,} · {total:,} requests" in [t.value for t in at.text]
        seen += list(request_table(at)["id"])
    assert at.button(key="easel.usage.older").disabled
    assert len(seen) == len(set(seen)) == total
    at.button(key="easel.usage.newer").click().run()
    assert list(request_table(at)["id"]) == seen[(pages - 2) * 50:(pages - 1) * 50]
