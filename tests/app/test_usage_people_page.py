"""The Usage page with sign-in (issue 20) under AppTest: a member sees only her own numbers; an admin's Team view
shows the table per person × provider with exact figures, and sets a person's daily budget; Generate refuses a
member's request over her budget. The person is pinned with identity.set_person_resolver, as the app's sign-in
installs it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from components import md_escape
from easel.core import identity
from easel.core.models import Money
from easel.store import Store
from easel.usage import person_budgets

pytestmark = pytest.mark.usefixtures("engine")

ROOT = Path(__file__).resolve().parents[2]
ANA, BEN, ADA = "ana@example.com", "ben@example.com", "ada@example.com"
DAY = 86400

# owner, provider, currency, status, cost, n, days ago. Costs are multiples of 1/8 (exact sums).
ROWS = [
    (ANA, "icodeeasy", "CNY", "completed", 0.5, 2, 1), (ANA, "icodeeasy", "CNY", "failed", 0.25, 1, 2),
    (ANA, "qcode", "USD", "completed", 0.125, 1, 0), (ANA, "qcode", "USD", "completed", 0.25, 1, 3),
    (BEN, "icodeeasy", "CNY", "completed", 1.5, 3, 0), (BEN, "openai-hk", "credits", "timed_out", 875.0, 1, 4),
    (BEN, "openai-hk", "credits", "completed", 2000.0, 2, 5), ("", "qcode", "USD", "completed", 0.375, 1, 6),
    ("", "icodeeasy", "CNY", "cancelled", 0.75, 1, 1),
]


@pytest.fixture
def log(easel_data_dir):
    store = Store()
    now = time.time()
    ids = {}
    for i, (owner, provider, currency, status, amount, n, ago) in enumerate(ROWS):
        jid = store.create_job(provider=provider, status=status, cost_estimated=amount, currency=currency, n=n,
                               prompt=f"{owner or 'single'} secret prompt {i}", created_at=now - ago * DAY - 60,
                               key_fingerprint=f"fp-{provider}")
        if status == "completed":
            store.update_job(jid, cost_actual=amount, latency_s=2.0)
        with store._write() as conn:
            conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (owner, jid))
        ids[jid] = owner
    return store, ids


@pytest.fixture
def as_person(monkeypatch):
    def pin(person_id: str, admin: bool = False):
        who = identity.Person(person_id, person_id, admin)
        monkeypatch.setattr(identity, "_resolver", lambda: who)
        # components/auth installs the sign-in's resolver when imported and on every run: keep this one.
        monkeypatch.setattr(identity, "set_person_resolver", lambda resolver: None)
        return who
    return pin


def _spent_on_demo_today(store, person_id: str, usd: float) -> None:
    """A completed Demo request of `person_id`'s, 30 s ago, that cost `usd`."""
    jid = store.create_job(provider="demo", status="completed", cost_estimated=usd, currency="USD",
                           simulated=True, created_at=time.time() - 30)
    store.update_job(jid, cost_actual=usd)
    with store._write() as conn:
        conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (person_id, jid))


def run_usage(**state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "usage.py"), default_timeout=60)
    at.session_state["easel.usage.sim"] = True
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _request_ids(at) -> set[str]:
    tables = [d.value for d in at.dataframe if "thumbnail" in d.value.columns]
    assert len(tables) == 1
    return set(tables[0]["id"])


def test_a_member_sees_only_her_own_numbers(log, as_person):
    store, ids = log
    as_person(ANA)
    at = run_usage()
    m = _metrics(at)
    # ana: 3 images (2 + 1 completed in range), spend CNY 0.50 + USD 0.375 (failure costs 0) at 7.1.
    assert m["Images"] == "4"
    assert m["Spend in range"] == "CNY 3.16"          # 0.5 + (0.125 + 0.25) × 7.1 = 3.1625
    assert _request_ids(at) == {j for j, o in ids.items() if o == ANA}
    assert [t.label for t in at.tabs][:2] == ["Overview", "Spend"]          # no People tab, no switch
    assert not [s for s in at.selectbox if s.key == "easel.usage.view"]
    assert "Your usage: only the requests you made." in " ".join(c.value for c in at.caption)
    # Her own prompts are hers to read.
    tops = [d.value for d in at.dataframe if "share" in d.value.columns]
    assert set(tops[0]["prompt"]) == {f"{ANA} secret prompt {i}" for i, r in enumerate(ROWS) if r[0] == ANA}


def test_the_admins_team_view_shows_each_person_and_provider_exactly(log, as_person):
    store, ids = log
    person_budgets.set_person_budget(store, ANA, Money(5.0, "USD"))
    as_person(ADA, admin=True)
    at = run_usage()
    assert at.selectbox(key="easel.usage.view").value == "me"
    assert _metrics(at)["Images"] == "0"                      # ada made no request: her own view is empty
    at.selectbox(key="easel.usage.view").set_value("team").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.label for t in at.tabs][:3] == ["Overview", "People", "Spend"]
    table = [d.value for d in at.dataframe if "person" in d.value.columns][0]
    got = {(r.person, r.provider): (r.requests, r.images, round(r.spend, 4), r.errors, r.budget)
           for r in table.itertuples()}
    assert got == {
        (ANA, "icodeeasy"): (2, 2, 0.5, 1, "USD 5.00"),
        (ANA, "qcode"): (2, 2, round(0.375 * 7.1, 4), 0, "USD 5.00"),
        (BEN, "icodeeasy"): (1, 3, 1.5, 0, "—"),
        # A timed-out request without a reported cost counts at its estimate (only failed / cancelled cost 0).
        (BEN, "openai-hk"): (2, 2, round((2000 + 875) * 7.1 / 71_000, 4), 1, "—"),
        ("single user / before sign-in", "qcode"): (1, 1, round(0.375 * 7.1, 4), 0, "—"),
        ("single user / before sign-in", "icodeeasy"): (1, 0, 0.0, 0, "—"),
    }
    # The Team KPIs are the sum of the table.
    assert _metrics(at)["Images"] == str(sum(v[1] for v in got.values()))
    # Everyone's requests are listed with their person, but another person's private prompt is not.
    tables = [d.value for d in at.dataframe if "thumbnail" in d.value.columns]
    assert set(tables[0]["id"]) == set(ids)
    prompts = dict(zip(tables[0]["id"], tables[0]["prompt"]))
    assert {prompts[j] for j, o in ids.items() if o in (ANA, BEN)} == {"(private)"}
    assert set(tables[0]["owner"]) == {ANA, BEN, "single user / before sign-in"}
    assert not [d for d in at.dataframe if "share" in d.value.columns]          # no one's top prompts


def test_the_admin_sets_and_clears_a_persons_budget(log, as_person):
    store, _ids = log
    as_person(ADA, admin=True)
    at = run_usage(**{"easel.usage.view": "team"})
    at.selectbox(key="easel.usage.people.person").set_value(BEN)
    at.number_input(key="easel.usage.people.amount").set_value(2.5)
    at.selectbox(key="easel.usage.people.unit").set_value("USD")
    at.button(key="FormSubmitter:easel.usage.people.budget_form-Save budget").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert person_budgets.get_person_budget(store, BEN) == Money(2.5, "USD", "daily budget")
    table = [d.value for d in at.dataframe if "person" in d.value.columns][0]
    assert set(table[table["person"] == BEN]["budget"]) == {"USD 2.50"}
    at.selectbox(key="easel.usage.people.person").set_value(BEN)
    at.number_input(key="easel.usage.people.amount").set_value(0.0)
    at.button(key="FormSubmitter:easel.usage.people.budget_form-Save budget").click().run()
    assert person_budgets.get_person_budget(store, BEN) is None


def test_a_member_cannot_see_the_team_view_by_setting_the_switch(log, as_person):
    store, ids = log
    as_person(BEN)
    at = run_usage(**{"easel.usage.view": "team"})
    assert _request_ids(at) == {j for j, o in ids.items() if o == BEN}
    assert "People" not in [t.label for t in at.tabs]


def test_generate_refuses_a_request_over_the_members_budget(log, as_person, app, jobs_for_test):
    store, _ids = log
    as_person(BEN)
    # Demo requests count against Demo spend: ben spent USD 0.50 on the Demo today, his budget is USD 0.51.
    _spent_on_demo_today(store, BEN, 0.5)
    person_budgets.set_person_budget(store, BEN, Money(5.0, "USD"))
    app.text_area(key="gen.prompt").input("A watercolor fox").run()
    # With room left, the caption says where the day stands and the button is live.
    assert not app.error and not app.button(key="gen.go").disabled
    assert md_escape("Your daily budget: USD 0.50 of USD 5.00 spent today") in " ".join(c.value for c in app.caption)
    # The admin lowers the budget while the page is open: the click's own run checks again and sends nothing.
    person_budgets.set_person_budget(store, BEN, Money(0.51, "USD"))
    jobs_before = store.query("SELECT COUNT(*) FROM jobs")[0][0]
    app.button(key="gen.go").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert store.query("SELECT COUNT(*) FROM jobs")[0][0] == jobs_before
    # The Demo's estimate for 1 × medium 1024x1024 is USD 0.0423 (its cost line says so).
    assert [e.value for e in app.error] == [md_escape(
        "Over your daily budget: this request (≈ USD 0.0423) would take your spend today from USD 0.50 to USD 0.54, "
        "over the USD 0.51 your admin set.")]
    assert app.button(key="gen.go").disabled


def test_compare_refuses_a_comparison_over_the_members_budget(log, as_person, demo, jobs_for_test):
    from app_session import open_app

    store, _ids = log
    as_person(BEN)
    _spent_on_demo_today(store, BEN, 0.05)
    person_budgets.set_person_budget(store, BEN, Money(0.1, "USD"))
    at = open_app("pages/compare.py")
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.selectbox(key="cmp.size").set_value("1536x1024")
    at.run()
    # The columns' known estimates (Demo USD 0.06337, QCode's floor USD 0.08; gccai has no price yet) together.
    assert [e.value for e in at.error] == [md_escape(
        "Over your daily budget: this request (≈ USD 0.14) would take your spend today from USD 0.05 to USD 0.19, "
        "over the USD 0.10 your admin set.")]
    assert at.button(key="cmp.go").disabled
    person_budgets.set_person_budget(store, BEN, Money(1.0, "USD"))
    at.run()
    assert not at.error and not at.button(key="cmp.go").disabled


def test_the_admin_picks_one_person(log, as_person):
    store, ids = log
    as_person(ADA, admin=True)
    at = run_usage(**{"easel.usage.view": BEN})
    switch = at.selectbox(key="easel.usage.view")
    assert switch.options == ["My usage", "Team", "single user / before sign-in", ANA, BEN] and switch.value == BEN
    assert _request_ids(at) == {j for j, o in ids.items() if o == BEN}
    assert _metrics(at)["Images"] == "5"                         # ben: 3 + 2 completed images
    tables = [d.value for d in at.dataframe if "thumbnail" in d.value.columns]
    assert set(tables[0]["prompt"]) == {"(private)"} and set(tables[0]["owner"]) == {BEN}
    assert "People" not in [t.label for t in at.tabs]


def test_a_batch_is_refused_when_its_rows_together_would_cross_the_members_budget(log, as_person, demo, jobs_for_test):
    from streamlit.testing.v1 import AppTest

    store, _ids = log
    as_person(BEN)
    _spent_on_demo_today(store, BEN, 0.9)
    person_budgets.set_person_budget(store, BEN, Money(1.0, "USD"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    at.selectbox(key="easel.demo.simulate").set_value("qcode").run()
    at.segmented_control(key="gen.mode").set_value("Batch").run()
    at.text_area(key="batch.text").set_value("a red fox\na blue whale\na green owl\n").run()
    assert not at.exception, [e.value for e in at.exception]
    # Three medium QCode requests on the Demo, USD 0.08 each (qcode.txt's floor).
    assert [e.value for e in at.error] == [md_escape(
        "Over your daily budget: this request (≈ USD 0.24) would take your spend today from USD 0.90 to USD 1.14, "
        "over the USD 1.00 your admin set.")]
    assert at.button(key="batch.go").disabled
    at.text_area(key="batch.text").set_value("a red fox\n").run()
    assert not at.error and not at.button(key="batch.go").disabled


def test_a_compare_columns_rerun_is_refused_over_the_members_budget(log, as_person, demo, jobs_for_test):
    from app_session import open_app, start_comparison

    from easel.store import comparisons as cmp

    store, _ids = log
    as_person(BEN)
    person_budgets.set_person_budget(store, BEN, Money(1.0, "USD"))
    at = open_app("pages/compare.py")
    at.text_area(key="cmp.prompt").set_value("red fox")
    at.selectbox(key="cmp.size").set_value("1536x1024")
    at.run()
    cid = start_comparison(at)
    cols = cmp.list_columns(store, cid)
    for c in cols:
        assert jobs_for_test.wait(c.job_id, 30).status == "completed"
    at.run()
    # The admin lowers the budget: QCode's column (its floor, USD 0.08) would now cross it, so its Rerun sends
    # nothing and says why, in the Generate page's words.
    person_budgets.set_person_budget(store, BEN, Money(0.25, "USD"))
    jobs_before = store.query("SELECT COUNT(*) FROM jobs")[0][0]
    at.button(key="cmp.rerun.2").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.query("SELECT COUNT(*) FROM jobs")[0][0] == jobs_before
    assert cmp.list_columns(store, cid)[2].job_id == cols[2].job_id
    # (The form above still plans a whole new comparison, and its own gate refuses that too.)
    refusal = md_escape("Over your daily budget: this request (≈ USD 0.08) would take your spend today from "
                        "USD 0.18 to USD 0.26, over the USD 0.25 your admin set.")
    assert refusal in [e.value for e in at.error]
    assert "person\\_daily\\_budget" in [c.value for c in at.caption]
    # With room again, the same button sends the column.
    person_budgets.set_person_budget(store, BEN, Money(1.0, "USD"))
    at.button(key="cmp.rerun.2").click().run()
    assert refusal not in [e.value for e in at.error]
    assert cmp.list_columns(store, cid)[2].job_id != cols[2].job_id
