"""The Usage page's Reconciliation tab under AppTest, over a real SQLite log: the per provider-day totals, the
flagged rows with their reasons, the billed failures, the tolerance control and the all-agree state."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]


def add(store, provider: str, *, status="completed", currency="USD", est=None, rep=None, formula=None, actual=None,
        ago: float = 60.0) -> str:
    job = store.create_job(provider=provider, status=status, currency=currency, cost_estimated=est,
                           key_fingerprint=f"fp-{provider}", created_at=time.time() - ago)
    store.update_job(job, cost_reported=rep, cost_formula=formula, cost_actual=actual)
    return job


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def run_page(**widgets):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=120)
    at.run()
    for key, value in widgets.items():
        at.session_state[key] = value
    if widgets:
        at.run()
    assert not at.exception, at.exception
    return at


def tab(at):
    [t] = [t for t in at.tabs if t.label == "Reconciliation"]
    return t


def frames(t) -> list:
    return [d.value for d in t.dataframe]


def test_the_view_shows_totals_flagged_rows_and_billed_failures(store):
    add(store, "qcode", est=0.211, formula=0.211, actual=0.211)
    over = add(store, "openai-hk", currency="credits", est=800.0, rep=1546.025, formula=773.545, actual=1546.025)
    failed = add(store, "gccai", status="failed", rep=0.04, formula=0.0, actual=0.0)
    at = run_page()
    t = tab(at)
    assert [w.value for w in t.warning] == ["1 row differs beyond the tolerance · 1 failed request billed."]
    flagged, billed, totals = frames(t)
    by = {row["Provider"]: row for row in totals.to_dict("records")}
    assert (by["qcode"]["Reported"], by["qcode"]["Formula"]) == ("–", "USD 0.211")
    assert by["qcode"]["Notes"].startswith("nothing reported: QCode's response reports no cost")
    assert (by["openai-hk"]["Reported"], by["openai-hk"]["Formula"]) == ("1,546 credits", "774 credits")
    assert (by["gccai"]["Billed but failed"], by["gccai"]["Notes"]) == (1, "1 billed but failed")
    assert flagged.to_dict("records")[0]["Reason"] == "reported 1,546 credits > formula 774 credits (+100%)"
    assert flagged.to_dict("records")[0]["Job"] == over
    assert billed.to_dict("records")[0]["Reason"] == "failed, yet reported USD 0.04 (every doc: failures cost 0)"
    assert billed.to_dict("records")[0]["Job"] == failed


def test_a_wider_tolerance_clears_the_flag_and_the_view_says_all_agree(store):
    add(store, "openai-hk", currency="credits", est=800.0, rep=1546.025, formula=773.545, actual=1546.025)
    at = run_page(**{"easel.usage.reconcile.pct": 150.0})
    t = tab(at)
    assert [s.value for s in t.success][0].startswith("All agree: every reported cost matches its doc's formula")
    assert len(frames(t)) == 1
    assert [c.value for c in t.caption][-3:-1] == ["No reported cost differs from its reference.",
                                                   "No failed or cancelled request carries a cost."]


def test_an_empty_log_says_there_is_nothing_to_reconcile(store):
    t = tab(run_page())
    assert [i.value for i in t.info] == ["No requests in this range to reconcile."]
    assert frames(t) == []
