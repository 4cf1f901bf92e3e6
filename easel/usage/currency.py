"""Converting between the three units costs are logged in: CNY, USD and openai-hk credits.

Costs stay in their own unit in the log. Conversion happens only where one total is asked for, with the rate
shown beside it, so units are never mixed silently.

openai-hk's credits, from its billing rule:
    credits = (text_in × 5 + image_in × 10 + image_out × 40) × 7.1 × 10000 / 1,000,000
The bracket over 1,000,000 is OpenAI's list price in USD (USD 5 / 10 / 40 per million tokens), so
    credits = USD × 7.1 × 10000   ⇒   1 credit = 1 / 71,000 USD.
That USD link is fixed by the formula itself; a credit's CNY value follows the user's USD→CNY rate. At the
formula's own rate (7.1) a credit is exactly CNY 0.0001, i.e. 10,000 credits per yuan.

Amounts for reading go through `format_amount`: in English Easel's own form ('CNY 1,312.40', a unit code, never a
symbol), in Chinese and Korean their locale's currency format (¥1,312.40, CN¥1,312.40) through
easel.core.i18n.format_currency. The rate line and a conversion's basis are Texts (easel.core.i18n_text): English
where kept (a comparison's plan), translated where shown. The CSV export never calls these: it writes bare numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.core.i18n import N_, _, current_language, format_currency
from easel.core.i18n_text import Template, Text, Value
from easel.core.models import Money

__all__ = ["CURRENCIES", "DEFAULT_USD_CNY", "CREDITS_PER_USD", "Rates", "convert", "convert_amount", "load_rates",
           "save_rates", "format_amount", "amount_value", "breakdown_label"]

CURRENCIES = ("CNY", "USD", "credits")
DEFAULT_USD_CNY = 7.1                 # the rate openai-hk's formula uses
_HK_FORMULA_RATE = 7.1
_HK_CREDITS_PER_UNIT = 10_000
CREDITS_PER_USD = _HK_FORMULA_RATE * _HK_CREDITS_PER_UNIT     # 71,000
SETTING_USD_CNY = "usage.usd_cny"

RATES_LINE = Template(N_("1 USD = {usd_cny} CNY = {credits} credits"))
CONVERTED_AT = Template(N_("{amount} at {rates}"), money=("amount",), texts=("rates",))


@dataclass(frozen=True)
class Rates:
    """A user-configurable conversion. `usd_cny` is how many CNY one USD buys."""

    usd_cny: float = DEFAULT_USD_CNY

    def __post_init__(self) -> None:
        if not (self.usd_cny > 0):
            raise ValueError(_("The USD→CNY rate must be positive."))

    def in_usd(self, currency: str) -> float:
        """The USD value of one unit of `currency`."""
        if currency == "USD":
            return 1.0
        if currency == "CNY":
            return 1.0 / self.usd_cny
        if currency == "credits":
            return 1.0 / CREDITS_PER_USD
        raise ValueError(_("Unknown currency {currency}; Easel knows {known}.").format(
            currency=repr(currency), known=", ".join(CURRENCIES)))

    def factor(self, src: str, dst: str) -> float:
        """Multiply an amount in `src` by this to get `dst`."""
        if src == dst:
            return 1.0
        return self.in_usd(src) / self.in_usd(dst)

    def describe(self) -> Text:
        """'1 USD = 7.1 CNY = 71,000 credits' (a Text: English kept, translated shown)."""
        return RATES_LINE(usd_cny=f"{self.usd_cny:g}", credits=f"{CREDITS_PER_USD:,.0f}")


def convert_amount(amount: float, src: str, dst: str, rates: Rates = Rates()) -> float:
    return amount * rates.factor(src, dst)


def convert(money: Money, dst: str, rates: Rates = Rates()) -> Money:
    if money.currency == dst:
        return money
    if money.amount is None:
        return Money(None, dst, money.basis)
    basis = CONVERTED_AT(amount=money, rates=rates.describe())
    return Money(convert_amount(money.amount, money.currency, dst, rates), dst, basis)


def load_rates(store) -> Rates:
    value = store.get_setting(SETTING_USD_CNY, DEFAULT_USD_CNY)
    try:
        return Rates(float(value))
    except (TypeError, ValueError):
        return Rates()


def save_rates(store, rates: Rates) -> None:
    store.set_setting(SETTING_USD_CNY, rates.usd_cny)


def _digits(amount: float) -> int:
    """Cents, and below a dime up to four decimals, so a per-image price of a fraction of a cent still shows."""
    if abs(amount) >= 0.1 or amount == 0:
        return 2
    return max(2, len(f"{abs(amount):.4f}".partition(".")[2].rstrip("0")))


def format_amount(amount: float, currency: str) -> str:
    """'CNY 1,312.40', 'CNY 0.30', 'USD 0.0423', '45,000 credits' in English; ¥1,312.40, US$0.0423, 45,000 积分
    in Chinese (the locale's currency format, the same decimals)."""
    if current_language() != "en" and (currency == "credits" or (len(currency) == 3 and currency.isalpha())):
        if currency == "credits":
            return format_currency(round(amount), "credits")
        return format_currency(amount, currency, digits=_digits(amount))
    if currency == "credits":
        return Money(amount, currency).label()
    return f"{currency} {amount:,.{_digits(amount)}f}"


def amount_value(amount: float, currency: str) -> Value:
    """An amount as a Text's field: format_amount in English where kept, in the reader's locale where shown."""
    return Value(lambda: format_amount(amount, currency))


def breakdown_label(amounts: dict[str, float]) -> str:
    """Per-currency amounts side by side, largest unit first: 'CNY 3.20 · USD 1.05 · 48,000 credits'."""
    parts = [format_amount(amounts[c], c) for c in CURRENCIES if amounts.get(c)]
    parts += [format_amount(v, c) for c, v in sorted(amounts.items()) if c not in CURRENCIES and v]
    return " · ".join(parts) if parts else _("nothing spent")
