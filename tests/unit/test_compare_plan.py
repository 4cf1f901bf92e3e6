"""Compare's mapping, estimates and warnings (easel/compare/): the settings asked once become each provider's
nearest valid request, with a note per change; totals are exact; QCode's cap and in-flight limit and daily
budgets warn before anything is sent. A real SQLite store; no network (nothing is sent here)."""

from __future__ import annotations

import pytest

from easel import compare
from easel.compare import CompareSettings, map_settings
from easel.compare.targets import DEMO_KEY, check_names, parse_name
from easel.core import config
from easel.core.errors import ValidationError
from easel.core.models import Money
from easel.providers import catalog, demo_modes
from easel.store import Store
from easel.usage import budgets
from easel.usage.currency import Rates

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

SIM = "http://127.0.0.1:9"        # never contacted: planning sends nothing


def _profile(pid: str):
    return demo_modes.demo_profile(pid, SIM)


def _map(pid: str, **kw):
    return map_settings(_profile(pid), CompareSettings(prompt="a fox", **kw))


@pytest.mark.parametrize("pid, size, sent, expected, notes", [
    ("gccai", "1536x1024", ("3:2", "1k"), (1536, 1024),
     ["size 1536x1024 → 3:2 at 1K (gccai takes ratios)",
      "runs as a task: every gccai request is one (submit, then poll)"]),
    ("gccai", "1920x1080", ("16:9", "2k"), (2048, 1152),
     ["size 1920x1080 → 16:9 at 2K = 2048x1152 (gccai takes ratios)",
      "runs as a task: every gccai request is one (submit, then poll)"]),
    ("icodeeasy", "1000x1000", ("1:1", "1k"), (1024, 1024),
     ["size 1000x1000 → 1:1 at 1K = 1024x1024 (icodeeasy takes ratios)"]),
    ("qcode", "1920x1080", ("1536x1024", None), (1536, 1024),
     ["size 1920x1080 → 1536x1024 (QCode takes only 1024x1024, 1024x1536, 1536x1024)"]),
    ("qcode", "auto", ("1024x1024", None), (1024, 1024), ["size auto → 1024x1024 (QCode takes auto on edits only)"]),
    ("openai-hk", "1000x1000", ("1008x1008", None), (1008, 1008),
     ["size 1000x1000 → 1008x1008 (openai-hk's size rules: multiple_of_16)"]),
    ("demo", "1920x1080", ("1920x1088", None), (1920, 1088),
     ["size 1920x1080 → 1920x1088 (Demo's size rules: multiple_of_16)"]),
    ("demo", "1536x1024", ("1536x1024", None), (1536, 1024), []),
])
def test_size_snaps_to_each_providers_table_with_a_note(pid, size, sent, expected, notes):
    m = _map(pid, size=size)
    assert (m.request.size, m.request.resolution) == sent
    assert m.expected_size == expected
    assert m.notes == notes


def test_a_quality_the_provider_lacks_and_options_it_does_not_take():
    q = _map("qcode", quality="auto", output_format="webp")
    assert q.request.quality == "medium"
    assert q.notes == ["quality auto → medium (QCode takes low / medium / high)",
                       "output_format webp not sent (QCode takes it on edits only)"]
    assert q.request.extras == {}
    i = _map("icodeeasy", output_format="jpeg", n=6)
    assert i.request.n == 4 and "n 6 → 4 (icodeeasy takes at most 4)" in i.notes
    assert "output_format jpeg not sent (icodeeasy does not take it)" in i.notes
    d = _map("demo", output_format="jpeg")
    assert d.request.extras == {"output_format": "jpeg"} and d.notes == []


def test_a_mask_icodeeasy_cannot_take_is_dropped_with_its_docs_reason():
    from easel.providers.request import ImageInput

    img = ImageInput(data=b"\x89PNG\r\n\x1a\n", name="src.png", mime="image/png")
    m = map_settings(_profile("icodeeasy"), CompareSettings(prompt="x", images=(img,), mask=img))
    assert m.request.mask is None and m.request.images == [img]
    assert m.notes[0] == "mask dropped: " + catalog.BUILTIN["icodeeasy"].mask_note
    q = map_settings(_profile("qcode"), CompareSettings(prompt="x", images=(img, img), mask=img))
    assert len(q.request.images) == 1
    assert "references after the first dropped (QCode applies a mask to single-image edits only)" in q.notes


def test_streaming_is_off_and_gccai_runs_as_a_task():
    for pid in demo_modes.SIMULATABLE:
        m = _map(pid)
        assert m.request.stream is False
        assert m.request.async_ is (pid == "gccai")


def test_names_the_cli_and_the_page_take():
    assert parse_name("demo:gccai") == ("demo", "gccai")
    assert parse_name("demo") == ("demo", "demo")
    assert parse_name("qcode") == ("qcode", None)
    with pytest.raises(ValidationError) as e:
        check_names(["demo"])
    assert e.value.code == "compare_columns"
    with pytest.raises(ValidationError) as e:
        check_names(["demo", "demo"])
    assert e.value.code == "duplicate_provider"
    with pytest.raises(ValidationError):
        parse_name("demo:nowhere")


def _targets(*names):
    return [compare.demo_target(n, SIM) for n in names]


def test_estimates_per_column_and_the_converted_total_are_exact(easel_data_dir):
    store = Store()
    plan = compare.plan_comparison(store, _targets("demo", "demo:qcode", "demo:icodeeasy", "demo:gccai"),
                                   CompareSettings(prompt="a fox", size="1536x1024", quality="high"),
                                   currency="USD", rates=Rates(7.1))
    est = {c.target.name: (c.estimate.amount, c.estimate.currency) for c in plan.columns}
    # Demo: 6240 output tokens (4160 × 1.5) × $40/M + 2 prompt tokens × $5/M; QCode's high 1536x1024 row;
    # icodeeasy's high tier; gccai has no price until it reports one.
    assert est == {"demo": (pytest.approx(0.24961, abs=1e-12), "USD"), "demo:qcode": (0.165, "USD"),
                   "demo:icodeeasy": (0.4, "CNY"), "demo:gccai": (None, "USD")}
    assert plan.totals() == {"USD": pytest.approx(0.41461, abs=1e-12), "CNY": 0.4}
    assert plan.total().amount == pytest.approx(0.24961 + 0.165 + 0.4 / 7.1, abs=1e-12)
    assert plan.unpriced() == ["Demo · gccai"]
    assert plan.total_label() == ("USD 0.41461 + CNY 0.40 ≈ USD 0.47095 (1 USD = 7.1 CNY = 71,000 credits); not "
                                  "counted: Demo · gccai (no price before it reports one)")
    single = compare.plan_comparison(store, _targets("demo", "demo:qcode"),
                                     CompareSettings(prompt="a fox", size="1536x1024", quality="high"))
    assert single.total_label() == "USD 0.41461"
    store.close()


def test_qcode_daily_cap_and_in_flight_limit_warn_before_sending(easel_data_dir):
    store = Store()
    fp = config.key_fingerprint(DEMO_KEY)
    for _ in range(99):
        store.create_job(provider="qcode", status="completed", n=1, key_fingerprint=fp, simulated=True)
    settings = CompareSettings(prompt="a fox", n=2)
    plan = compare.plan_comparison(store, _targets("demo", "demo:qcode"), settings)
    assert plan.columns[0].warnings == []
    assert plan.columns[1].warnings == [
        "QCode: 99 of 100 images used today and 0 in flight on this key; 2 more would break its daily cap of 100 "
        "(resets 00:00 Beijing)."]
    for _ in range(2):
        store.create_job(provider="qcode", status="running", n=1, key_fingerprint=fp, simulated=True)
    plan = compare.plan_comparison(store, _targets("demo", "demo:qcode"), CompareSettings(prompt="a fox"))
    assert plan.columns[1].warnings == [
        "QCode: 99 of 100 images used today and 2 in flight on this key; 1 more would break its daily cap of 100 "
        "(resets 00:00 Beijing).",
        "QCode: 2 requests already in flight on this key, and it runs at most 2 at once; this column waits for a slot."]
    store.close()


def test_a_daily_budget_warns_on_the_column_that_would_break_it(easel_data_dir):
    store = Store()
    budgets.set_budget(store, "demo", Money(0.1, "USD"))
    plan = compare.plan_comparison(store, _targets("demo", "demo:qcode"),
                                   CompareSettings(prompt="a fox", size="1536x1024", quality="high"))
    assert plan.columns[1].warnings == []
    (warning,) = plan.columns[0].warnings
    assert warning.startswith("Over budget: this request (≈ USD 0.24961) would take today's demo spend from "
                              "USD 0.00 to USD 0.25, over your daily budget of USD 0.10")
    store.close()
