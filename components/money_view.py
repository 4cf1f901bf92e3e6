"""Money, counts and KPI figures as the reader's locale writes them (Babel, through easel.core.i18n).

The Usage, Compare and Scorecard pages show amounts here, so ¥ / $ / credits read the same way on all three:
'¥1,234.50' in Chinese, 'CN¥1,234.50' in Korean, 'CNY 1,234.50' in English, '45,000 credits' / '45,000 积分'. easel keeps its own
plain labels for the CLI and files; this module is only for what a person reads on screen.
"""

from __future__ import annotations

from easel.core.i18n import DEFAULT_LANGUAGE, _, current_language, format_decimal, format_number, format_percent
from easel.core.i18n_text import money_text
from easel.core.models import Money
from easel.usage.currency import CREDITS_PER_USD, format_amount

__all__ = ["money", "money_or_unknown", "breakdown", "metric_value", "metric_delta", "rates_text", "plan_total",
           "CURRENCY_ORDER"]

CURRENCY_ORDER = ("CNY", "USD", "credits")
_MAX_DIGITS = 5          # a comparison is about differences: QCode's 0.165 is not 0.17


def _digits(amount: float, most: int) -> int:
    """At least two decimals, up to `most`, no trailing zeros: 0.4 → 2, 0.211 → 3, 0.06337 → 5."""
    frac = f"{abs(amount):.{most}f}".partition(".")[2].rstrip("0")
    return max(2, len(frac))


def money(amount: float, currency: str, *, exact: bool = False) -> str:
    """One amount in its own unit, for reading. Totals (the default) show cents, and below a dime up to four
    decimals, so a per-image price of a fraction of a cent still shows (easel's format_amount rule); `exact`
    keeps up to five decimals everywhere, for a single request's price (QCode's 0.165 is not 0.17). English keeps
    Easel's own form ('USD 0.211', 'CNY 1,312.40': a unit code, so USD and CNY cannot be mistaken), as the other
    pages, the CLI and the exports print it; Chinese and Korean use their locale's currency style."""
    most = _MAX_DIGITS if exact else (2 if abs(amount) >= 0.1 or amount == 0 else 4)
    if current_language() == DEFAULT_LANGUAGE:
        amount = round(amount, most)
        return Money(amount, currency).label() if exact else format_amount(amount, currency)
    return money_text(amount, currency, max_digits=most)


def money_or_unknown(amount: float | None, currency: str) -> str:
    """A single price (up to five decimals), or 'unknown'."""
    return _("unknown") if amount is None else money(amount, currency, exact=True)


def breakdown(amounts: dict[str, float]) -> str:
    """Per-currency amounts side by side, largest unit first: '¥3.20 · US$1.05 · 48,000 积分'."""
    parts = [money(amounts[c], c) for c in CURRENCY_ORDER if amounts.get(c)]
    parts += [money(v, c) for c, v in sorted(amounts.items()) if c not in CURRENCY_ORDER and v]
    return " · ".join(parts) if parts else _("nothing spent")


def _figure(kind: str, value: float, currency: str | None) -> str:
    if kind == "money":
        return money(value, currency or "")
    if kind == "count":
        return format_number(round(value))
    if kind == "percent":
        return format_percent(value, 1)
    return _("{seconds} s").format(seconds=format_decimal(value, 1))


def metric_value(m) -> str:
    """A KPI's value (an easel.usage Metric): '—' when the period has none."""
    return "—" if m.value is None else _figure(m.kind, m.value, m.currency)


def metric_delta(m) -> str | None:
    """The change against the previous period, sign first (st.metric reads a leading '-' as a fall)."""
    d = m.delta
    if d is None or (d == 0 and not m.value and not m.previous):
        return None
    sign = "+" if d >= 0 else "-"
    if m.kind == "percent":
        body = _("{points} pts").format(points=format_decimal(abs(d) * 100, 1))
    else:
        body = _figure(m.kind, abs(d), m.currency)
    if m.kind == "percent" or not m.previous or m.value is None:
        return sign + body
    pct = (m.value - m.previous) / m.previous
    return f"{sign}{body} ({'+' if pct >= 0 else '-'}{format_percent(abs(pct))})"


def rates_text(rates) -> str:
    """'1 USD = 7.1 CNY = 71,000 credits' in the session's language and number style (rates: easel Rates)."""
    return _("1 USD = {cny} CNY = {credits}").format(
        cny=format_number(rates.usd_cny), credits=money(CREDITS_PER_USD, "credits"))


def plan_total(plan) -> str:
    """A comparison plan's total: 'US$0.41461 + ¥0.40 ≈ US$0.47095 (1 USD = …)'; one unit alone is not
    converted; what has no price before it runs is named (plan: easel.compare.plan.ComparisonPlan)."""
    totals = plan.totals()
    line = " + ".join(money(v, cur, exact=True) for cur, v in totals.items()) or _("nothing priced")
    if len(totals) > 1 or (totals and plan.currency not in totals):
        line += " ≈ " + money(plan.total().amount, plan.currency, exact=True) + f" ({rates_text(plan.rates)})"
    unpriced = plan.unpriced()
    if unpriced:
        line = _("{total}; not counted: {columns} (no price before it reports one)").format(
            total=line, columns=", ".join(unpriced))
    return line
