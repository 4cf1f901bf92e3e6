"""Money, counts and KPI figures as each locale writes them (components/money_view.py, over Babel)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))      # `components` sits beside app.py

from components.money_view import breakdown, metric_delta, metric_value, money  # noqa: E402
from easel.core.i18n import use_language  # noqa: E402
from easel.usage.kpis import Metric  # noqa: E402


@pytest.mark.parametrize("lang, expected", [
    ("en", ["CNY 1,234.50", "USD 0.0423", "USD 0.165", "45,000 credits"]),     # Easel's own form
    ("zh", ["¥1,234.50", "US$0.0423", "US$0.165", "45,000 积分"]),
    ("ko", ["CN¥1,234.50", "US$0.0423", "US$0.165", "45,000 크레딧"]),
])
def test_totals_and_single_prices_in_each_locale(lang, expected):
    with use_language(lang):
        assert [money(1234.5, "CNY"), money(0.04231, "USD"), money(0.165, "USD", exact=True),
                money(45000, "credits")] == expected


def test_a_half_is_rounded_once_so_no_trailing_zero_is_left():
    # 0.051495 prints as 0.05149 in Python but Babel's decimal rounding made it 0.05150 before the fix.
    with use_language("zh"):
        assert money(0.051495, "USD", exact=True) == "US$0.05149"
        assert money(0.0515, "USD", exact=True) == "US$0.0515"


def test_breakdown_and_kpi_figures():
    m = Metric("success_rate", "Success rate", 0.957, 0.94, "percent")
    spend = Metric("today", "Spend today", 18.38, 55.89, "money", "CNY", higher_is_better=False)
    with use_language("ko"):
        assert breakdown({"USD": 1.05, "CNY": 3.2, "credits": 48000}) == "CN¥3.20 · US$1.05 · 48,000 크레딧"
        assert (metric_value(m), metric_delta(m)) == ("95.7%", "+1.7%p")
        assert (metric_value(spend), metric_delta(spend)) == ("CN¥18.38", "-CN¥37.51 (-67%)")
    with use_language("zh"):
        assert breakdown({}) == "无支出"
        assert metric_delta(m) == "+1.7 个百分点"
