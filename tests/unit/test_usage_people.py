"""Usage per person (issue 20): a person's own view, the admin's Team table, and the log's owner column.

A person's view reads the rollups' definitions over her rows (easel.usage.scope); the Team view reads the rollups.
These tests seed one log for ana, ben and the single user ('') and check that the views add up: the Team totals
equal the sum of each person's view and the plain SQL sum over `jobs`, and ana's view equals a store that holds
only her rows.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timezone

import pytest

from easel import usage
from easel.store import Store
from easel.usage import people
from easel.usage.currency import Rates
from easel.usage.scope import OwnerScope

pytestmark = pytest.mark.usefixtures("engine")

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=timezone.utc).timestamp()        # 12:00 Beijing, a Wednesday
DAY = 86400
ANA, BEN = "ana@example.com", "ben@example.com"
PROVIDERS = (("icodeeasy", "CNY"), ("qcode", "USD"), ("openai-hk", "credits"))
STATUSES = ("completed", "completed", "completed", "failed", "timed_out", "cancelled", "running")


def _seed_rows(seed: int = 7) -> list[dict]:
    """The log, in the order it is written: costs are multiples of 1/8, so sums are exact in any order."""
    rnd = random.Random(seed)
    rows = []
    for i in range(240):
        owner = (ANA, BEN, "")[i % 3]
        provider, currency = PROVIDERS[rnd.randrange(3)]
        status = STATUSES[rnd.randrange(len(STATUSES))]
        est = rnd.randrange(1, 9) / 8 * (1000 if currency == "credits" else 1)
        rows.append(dict(
            owner=owner, provider=provider, currency=currency, status=status, cost_estimated=est,
            cost_actual=est if status == "completed" and rnd.random() < 0.7 else None,
            latency_s=rnd.choice((1.5, 3.0, 7.25, 20.0)) if status == "completed" else None,
            n=rnd.randrange(1, 3), quality=rnd.choice(("low", "high")), size="1024x1024",
            key_fingerprint=f"{provider[:2]}-{rnd.randrange(2)}", simulated=rnd.random() < 0.1,
            # Each person's own prompts (one repeats), so prompt ids keep one order in every store.
            prompt=f"{owner or 'single'} prompt {rnd.randrange(12)}",
            created_at=NOW - rnd.randrange(0, 70) * DAY - rnd.randrange(0, DAY // 2)))
    return rows


def _write(store, rows) -> None:
    for r in rows:
        jid = store.create_job(provider=r["provider"], status=r["status"], cost_estimated=r["cost_estimated"],
                               currency=r["currency"], n=r["n"], quality=r["quality"], size=r["size"],
                               key_fingerprint=r["key_fingerprint"], simulated=r["simulated"], prompt=r["prompt"],
                               created_at=r["created_at"])
        store.update_job(jid, cost_actual=r["cost_actual"], latency_s=r["latency_s"])
        with store._write() as conn:           # the owner column (migration 27), as sign-in sets it
            conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (r["owner"], jid))


@pytest.fixture
def rows():
    return _seed_rows()


@pytest.fixture
def store(rows):
    s = Store()
    _write(s, rows)
    return s


def test_people_lists_every_owner_including_the_single_user(store):
    assert people.people(store) == ["", ANA, BEN]
    assert people.person_label(ANA) == ANA
    assert people.person_label("") == "single user / before sign-in"


def test_a_persons_view_equals_a_store_holding_only_her_rows(store, rows, new_store):
    only_ana = new_store("ana-only.db")
    _write(only_ana, [r for r in rows if r["owner"] == ANA])
    for filters in (usage.Filters(), usage.Filters(include_simulated=False, providers=("qcode", "icodeeasy")),
                    usage.Filters(statuses=("completed",))):
        f = filters.resolved(store, NOW)
        mine = people.scope_for(store, ANA, f, earliest=usage.earliest_day(store, f, NOW))
        b = usage.dashboard(only_ana, filters, currency="CNY", rates=Rates(7.0), now=NOW)
        # The page's reader (rollups rebuilt in memory from her rows) and the plain CTEs over the store.
        for reader in (mine, OwnerScope(store, (ANA,))):
            a = usage.dashboard(reader, filters, currency="CNY", rates=Rates(7.0), now=NOW)
            assert a.kpis == b.kpis
            assert a.total_requests == b.total_requests > 0
            for frame in ("daily", "cumulative", "latency_hist", "latency_pct", "errors", "top_prompts"):
                assert getattr(a, frame).equals(getattr(b, frame)), frame
        assert usage.filter_options(mine) == usage.filter_options(only_ana)
        assert usage.has_real_usage(mine) == usage.has_real_usage(only_ana)
        assert usage.requests_page(mine, f)[["id"]].shape == usage.requests_page(only_ana, f)[["id"]].shape


def test_the_windowed_view_reads_the_same_figures_as_the_whole_history(store):
    """The page reads a person's rows from the first day kpis needs (easel.usage.kpis.earliest_day) on."""
    f = usage.Filters().resolved(store, NOW)
    whole = people.scope_for(store, BEN)
    windowed = people.scope_for(store, BEN, f, earliest=usage.earliest_day(store, f, NOW))
    assert windowed.since is not None and windowed.since > min(r[0] for r in store.query("SELECT created_at FROM jobs"))
    a = usage.dashboard(whole, f, now=NOW)
    b = usage.dashboard(windowed, f, now=NOW)
    assert a.kpis == b.kpis and a.daily.equals(b.daily) and a.top_prompts.equals(b.top_prompts)


def _sql_sums(store, f):
    """Per owner and provider, straight from `jobs`: requests, images, errors, spend per currency."""
    where, args = usage.jobs_where(store, f)
    out = {}
    for owner, provider, cur, req, img, bad, cost in store.query(
            "SELECT owner, provider, currency, COUNT(*), SUM(CASE WHEN status = 'completed' THEN n ELSE 0 END), "
            "SUM(CASE WHEN status IN ('failed', 'timed_out', 'interrupted') THEN 1 ELSE 0 END), "
            "SUM(COALESCE(cost_actual, CASE WHEN status IN ('failed', 'cancelled') THEN 0 ELSE cost_estimated END)) "
            f"FROM jobs{where} GROUP BY owner, provider, currency", args):
        out[(owner, provider)] = (int(req), int(img), int(bad), {cur: float(cost)})
    return out


def test_team_totals_equal_the_sum_of_each_persons_view_and_the_sql_sum(store):
    f = usage.Filters(include_simulated=True).resolved(store, NOW)
    team = people.per_person(store, f, currency="USD", rates=Rates(8.0), now=NOW)
    got = {(p.owner, p.provider): (p.requests, p.images, p.errors, p.amounts) for p in team}
    assert got == _sql_sums(store, f)
    assert {p.owner for p in team} == {"", ANA, BEN}

    # Each person's line is what her own view shows for that provider.
    for p in team:
        own = usage.kpis(people.scope_for(store, p.owner), usage.Filters(f.start, f.end, (p.provider,)),
                         currency="USD", rates=Rates(8.0), now=NOW)
        assert (own.requests.value, own.images.value, own.spend.amounts) == (p.requests, p.images, p.amounts)
        assert own.spend.value == pytest.approx(p.spend)

    # The Team view (the rollups) is the sum of the people's.
    k = usage.kpis(store, f, currency="USD", rates=Rates(8.0), now=NOW)
    assert k.requests.value == sum(p.requests for p in team)
    assert k.images.value == sum(p.images for p in team)
    assert k.spend.value == pytest.approx(sum(p.spend for p in team))
    for provider, _currency in PROVIDERS:
        per_provider = usage.kpis(store, usage.Filters(f.start, f.end, (provider,)), now=NOW)
        assert per_provider.requests.value == sum(p.requests for p in team if p.provider == provider)


def test_per_person_honours_the_filters(store):
    f = usage.Filters(statuses=("failed",), providers=("qcode",)).resolved(store, NOW)
    team = people.per_person(store, f, now=NOW)
    assert team and all(p.provider == "qcode" and p.images == 0 and p.errors == p.requests for p in team)
    assert {(p.owner, p.provider): p.requests for p in team} == {
        (o, "qcode"): n for o, n in store.query(
            "SELECT owner, COUNT(*) FROM jobs WHERE provider = 'qcode' AND status = 'failed' AND created_at >= ? "
            "GROUP BY owner", [usage.day_start_ts(f.start, usage.day_offset(store))])}


def test_the_csv_names_who_made_each_request(store, rows):
    text = usage.export_csv(store)
    got = list(csv.reader(io.StringIO(text)))
    assert got[0] == list(usage.CSV_COLUMNS) and got[0][-1] == "owner"
    by_id = {r[got[0].index("job_id")]: r[-1] for r in got[1:]}
    assert by_id == {r[0]: r[1] for r in store.query("SELECT id, owner FROM jobs")}
    assert sorted(by_id.values()) == sorted(r["owner"] for r in rows)
    # A person's export holds her rows only.
    mine = list(csv.reader(io.StringIO(usage.export_csv(people.scope_for(store, ANA)))))
    assert len(mine) - 1 == sum(r["owner"] == ANA for r in rows) and {r[-1] for r in mine[1:]} == {ANA}


def test_the_request_table_carries_the_owner(store):
    f = usage.Filters().resolved(store, NOW)
    frame = usage.requests_page(store, f, page_size=500)
    assert set(frame["owner"]) == {"", ANA, BEN}
    mine = usage.requests_page(people.scope_for(store, BEN), f, page_size=500)
    assert set(mine["owner"]) == {BEN} and len(mine) == int((frame["owner"] == BEN).sum())


def test_a_scope_reads_no_other_persons_row_through_any_rollup(store):
    scope = OwnerScope(store, (ANA,))
    for table in ("usage_daily", "usage_latency", "usage_prompt_daily", "usage_billing_daily"):
        total = scope.query(f"SELECT COALESCE(SUM({'count' if table == 'usage_latency' else 'requests'}), 0) "
                            f"FROM {table}")[0][0]
        direct = store.query("SELECT COUNT(*) FROM jobs WHERE owner = ?" + (
            " AND latency_s IS NOT NULL AND status = 'completed'" if table == "usage_latency" else ""), (ANA,))[0][0]
        assert total == direct, table
    prompts = {r[0]: r[1] for r in scope.query("SELECT prompt, requests FROM usage_prompts")}
    assert prompts == {p: n for p, n in store.query(
        "SELECT prompt, COUNT(*) FROM jobs WHERE owner = ? GROUP BY prompt", (ANA,))}


def test_a_persons_rollups_are_kept_for_reruns_until_her_rows_change(store):
    f = usage.Filters().resolved(store, NOW)
    earliest = usage.earliest_day(store, f, NOW)
    people.clear_mirrors()
    first = people.scope_for(store, ANA, f, earliest=earliest)
    before = usage.kpis(first, f, now=NOW).requests.value
    again = people.scope_for(store, ANA, f, earliest=earliest)
    assert again._mirror is first._mirror is not None            # the rerun reads the rollups built once
    jid = store.create_job(provider="qcode", status="completed", cost_estimated=0.5, currency="USD", created_at=NOW - 60)
    with store._write() as conn:
        conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (ANA, jid))
    after = people.scope_for(store, ANA, f, earliest=earliest)
    assert after._mirror is None                                  # her rows changed: built anew, on first read
    assert usage.kpis(after, f, now=NOW).requests.value == before + 1
