"""Money before and after a request, in each provider's own unit (CNY, USD or openai-hk credits).

Every figure here comes from ../shared/providers/; the `basis` text says how a figure was reached so the
UI can show "≈ CNY 0.40 (2 × medium)". A failed request costs 0: every provider says failures are not billed.
A basis is English (the usage log and the CLI's JSON keep it); a page shows it translated with
`easel.core.i18n_text.shown(money.basis)`.
"""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

from easel.core.i18n import N_
from easel.providers import sizes
from easel.providers.catalog import Profile
from easel.core.models import Money, Usage
from easel.providers.request import ImageRequest

__all__ = ["estimate", "actual", "reported", "formula", "ICODEEASY_TIERS", "QCODE_FLOOR", "QCODE_HIGH", "OUTPUT_TOKENS_1024",
           "token_usd", "token_credits", "expected_output_tokens", "GCCAI_NO_PRICE"]

# icodeeasy.txt, "Billing": CNY per image by quality tier; missing quality is medium.
ICODEEASY_TIERS = {"low": Decimal("0.10"), "medium": Decimal("0.20"), "auto": Decimal("0.20"), "high": Decimal("0.40")}

# qcode.txt, "Per-image pricing": low and medium sit on the $0.08 floor at every size.
QCODE_FLOOR = Decimal("0.08")
QCODE_HIGH = {"1024x1024": Decimal("0.211"), "1024x1536": Decimal("0.165"), "1536x1024": Decimal("0.165"),
              "2048x2048": Decimal("0.285")}

# OpenAI's image output tokens at 1024×1024 per quality; other sizes scale by pixel area.
# Check against openai-hk.txt: 272 → 772 credits ("≈ 800" for low), 1056 → 2,999 ("≈ 3000" for medium).
OUTPUT_TOKENS_1024 = {"low": 272, "medium": 1056, "high": 4160}
# USD per million tokens: text input, image input, image output (gpt-image pricing both docs cite).
_PER_MILLION = (Decimal(5), Decimal(10), Decimal(40))
_CREDITS_PER_USD = Decimal("7.1") * 10000     # openai-hk: (...)*7.1*10000/1000000 = credits

GCCAI_NO_PRICE = N_("gccai publishes no price list; the task reports its cost")


def _money(amount: Decimal | float | None, currency: str, basis: str) -> Money:
    return Money(None if amount is None else float(amount), currency, basis)


def token_usd(usage: Usage) -> Decimal:
    t, i, o = _PER_MILLION
    return (usage.text_tokens * t + usage.image_tokens * i + usage.output_tokens * o) / Decimal(1_000_000)


def token_credits(usage: Usage) -> Decimal:
    return token_usd(usage) * _CREDITS_PER_USD


def _pixels(profile: Profile, req: ImageRequest, size: str | None) -> tuple[int, int]:
    """The output pixels a request asks for; 'auto' follows the first uploaded input, else 1024×1024."""
    size = size or profile.default_size
    wh = sizes.parse_pixels(size)
    if wh:
        return wh
    if profile.size_mode == "ratio":
        try:
            return sizes.ratio_pixels(size, req.resolution or profile.default_resolution or "1k")
        except sizes.PixelRuleError:
            return (1024, 1024)
    first = next((img for img in req.images if img.data), None)
    if first is not None:
        from easel.media.imaging import image_size
        try:
            return image_size(first.data)
        except Exception:  # noqa: BLE001 - an unreadable input is reported by validation, not by pricing
            pass
    return (1024, 1024)


def expected_output_tokens(quality: str, width: int, height: int) -> int:
    # quality "auto": estimated as high, the worst case (the usage in the response gives the real figure).
    per_1024 = OUTPUT_TOKENS_1024.get(quality, OUTPUT_TOKENS_1024["high"])
    return round(per_1024 * width * height / (1024 * 1024))


def _prompt_tokens(prompt: str) -> int:
    return math.ceil(len((prompt or "").encode("utf-8")) / 4)    # ~4 bytes per token


def _qcode_row(width: int, height: int) -> str:
    # Sizes outside the table (QCode's "auto" on edits) are priced as the row whose shape matches:
    # square / portrait / landscape (DESIGN.md reading).
    exact = f"{width}x{height}"
    if exact in QCODE_HIGH:
        return exact
    if abs(width / height - 1) < 0.05:
        return "1024x1024"
    return "1024x1536" if height > width else "1536x1024"


def _qcode_price(row: str, quality: str) -> Decimal:
    # quality "auto" is priced as high: the doc's worst case, and the response does not say which tier ran.
    return QCODE_HIGH[row] if quality in ("high", "auto") else QCODE_FLOOR


def _tier(quality: str | None) -> tuple[str, Decimal]:
    q = quality or "medium"
    return q, ICODEEASY_TIERS.get(q, ICODEEASY_TIERS["medium"])


def _qcode_basis(count: int, quality: str | None, rows: list[str]) -> str:
    """'2 × high 1024x1024'; QCode bills auto as high, and the basis says so in a sentence that translates."""
    one_row = rows[0] if rows and len(set(rows)) == 1 else None
    if quality == "auto":
        if one_row:
            return N_("{n} × auto, priced as high {size}").format(n=count, size=one_row)
        return N_("{n} × auto, priced as high").format(n=count)
    return f"{count} × {quality} {one_row}" if one_row else f"{count} × {quality}"


def estimate(profile: Profile, req: ImageRequest, *, history: list[tuple[str, str, float]] | None = None) -> Money:
    """What a request should cost before it is sent."""
    r = req.resolved(profile)
    n, cur = r.n, profile.currency
    if profile.pricing == "icodeeasy_tiers":
        q, price = _tier(r.quality)
        label = N_("{n} × {quality} (billed as medium)").format(n=n, quality=q) if q == "auto" else f"{n} × {q}"
        return _money(price * n, cur, label)
    if profile.pricing == "qcode_table":
        row = _qcode_row(*_pixels(profile, r, r.size))
        price = _qcode_price(row, r.quality or "medium")
        if r.quality == "auto":
            return _money(price * n, cur, N_("{n} × auto, priced as high {size}").format(n=n, size=row))
        return _money(price * n, cur, f"{n} × {r.quality} {row}")
    if profile.pricing in ("tokens_credits", "tokens_usd"):
        w, h = _pixels(profile, r, r.size)
        usage = Usage(text_tokens=_prompt_tokens(r.prompt),
                      output_tokens=n * expected_output_tokens(r.quality or "medium", w, h))
        amount = token_credits(usage) if profile.pricing == "tokens_credits" else token_usd(usage)
        if r.quality == "auto":
            return _money(amount, cur, N_("{n} × auto, priced as high {size}").format(n=n, size=f"{w}x{h}"))
        return _money(amount, cur, f"{n} × {r.quality} {w}x{h}")
    if profile.pricing == "task_reported":
        matching = [float(c) for q, res, c in (history or [])
                    if q == r.quality and (res or "").lower() == (r.resolution or "").lower() and c is not None]
        if not matching:
            return Money(None, "USD", GCCAI_NO_PRICE)
        median = Decimal(str(statistics.median(matching)))
        return _money(median * n, "USD", N_("{n} × median of {count} past {quality} {resolution} images").format(
            n=n, count=len(matching), quality=r.quality, resolution=r.resolution))
    return Money(None, cur, N_("no price list for this provider"))


def actual(profile: Profile, req: ImageRequest, outcome: object = None, *, images: list | None = None,
           usage: Usage | None = None, reported_cost: float | None = None, failed: bool = False) -> Money:
    """What a finished request cost. `outcome` may be a client.Outcome or a models.TaskStatus; its images,
    usage and reported cost fill whichever of the keyword arguments are not given."""
    cur = "USD" if profile.pricing == "task_reported" else profile.currency
    if failed:
        return _money(Decimal(0), cur, N_("failed: not billed"))
    if outcome is not None:
        images = images if images is not None else getattr(outcome, "images", None)
        usage = usage if usage is not None else getattr(outcome, "usage", None)
        reported_cost = reported_cost if reported_cost is not None else getattr(outcome, "reported_cost", None)
    r = req.resolved(profile)
    count = len(images) if images is not None else r.n
    if profile.pricing == "icodeeasy_tiers":
        if reported_cost is not None:
            return _money(Decimal(str(reported_cost)), cur, N_("task report"))
        q, price = _tier(r.quality)
        return _money(price * count, cur, f"{count} × {q}")
    if profile.pricing == "qcode_table":
        total, rows = Decimal(0), []
        shapes = [(img.width, img.height) for img in images or [] if getattr(img, "width", None)]
        if len(shapes) != count:
            shapes = [_pixels(profile, r, r.size)] * count
        for w, h in shapes:
            row = _qcode_row(w, h)
            total += _qcode_price(row, r.quality or "medium")
            rows.append(row)
        return _money(total, cur, _qcode_basis(count, r.quality, rows))
    if profile.pricing in ("tokens_credits", "tokens_usd"):
        if usage is None:
            est = estimate(profile, r)
            return Money(est.amount, cur, N_("estimated, no usage reported ({basis})").format(basis=est.basis))
        amount = token_credits(usage) if profile.pricing == "tokens_credits" else token_usd(usage)
        return _money(amount, cur, N_("usage tokens"))
    if profile.pricing == "task_reported":
        if reported_cost is None:
            return Money(None, "USD", N_("the task reported no cost"))
        return _money(Decimal(str(reported_cost)), "USD", N_("task report"))
    return Money(None, cur, N_("no price list for this provider"))


# --- reconciliation: the provider's own figure against the doc's formula (easel/usage/reconcile.py) ----------
QCODE_NO_REPORT = N_("QCode's response reports no cost (qcode.txt: usage only on its dashboard)")
ICODEEASY_SYNC_NO_REPORT = N_("icodeeasy's sync response carries no cost; only its async task does")


def reported(profile: Profile, req: ImageRequest, outcome: object = None, *, usage: Usage | None = None,
             reported_cost: float | None = None) -> Money:
    """The provider's own figure, untouched by Easel's price list: gccai's and icodeeasy's task `cost`, the
    credits or USD of the response's token `usage`. None where the provider reports nothing (QCode, icodeeasy's
    sync mode). A failed task's figure is kept as it came: every doc says failures cost 0, and a cost > 0 on one
    is exactly what reconciliation must see."""
    if outcome is not None:
        usage = usage if usage is not None else getattr(outcome, "usage", None)
        reported_cost = reported_cost if reported_cost is not None else getattr(outcome, "reported_cost", None)
    cur = "USD" if profile.pricing == "task_reported" else profile.currency
    if profile.pricing in ("tokens_credits", "tokens_usd"):
        if usage is None:
            return Money(None, cur, N_("no usage in the response"))
        amount = token_credits(usage) if profile.pricing == "tokens_credits" else token_usd(usage)
        return _money(amount, cur, N_("usage tokens ({count} output)").format(count=f"{usage.output_tokens:,}"))
    if profile.pricing in ("task_reported", "icodeeasy_tiers"):
        if reported_cost is None:
            return Money(None, cur, ICODEEASY_SYNC_NO_REPORT if profile.pricing == "icodeeasy_tiers"
                         else N_("the task reported no cost"))
        return _money(Decimal(str(reported_cost)), cur, N_("task report"))
    if profile.pricing == "qcode_table":
        return Money(None, cur, QCODE_NO_REPORT)
    return Money(None, cur, N_("this provider reports no cost"))


def formula(profile: Profile, req: ImageRequest, *, images: list | None = None, usage: Usage | None = None,
            failed: bool = False) -> Money:
    """The doc's price table or formula applied to what actually came back: the returned images (count and,
    for QCode, pixels) at the requested quality; 0 for a failure. `images` are objects with width and height
    (ImageOut, ImageRow); None means none came back.

    Token providers: the input tokens are the response's own (Easel cannot tokenize what it sent as the
    provider does), the output tokens are OpenAI's per-image count for the returned pixels at the quality, so an
    inflated output count shows. Quality `auto` has no formula there: the response does not say which tier ran."""
    cur = "USD" if profile.pricing == "task_reported" else profile.currency
    if failed:
        return _money(Decimal(0), cur, N_("failed: not billed"))
    r = req.resolved(profile)
    shapes = [(img.width, img.height) for img in images or [] if getattr(img, "width", None)]
    count = len(images or [])
    if profile.pricing == "icodeeasy_tiers":
        q, price = _tier(r.quality)
        return _money(price * count, cur, f"{count} × {q}")
    if profile.pricing == "qcode_table":
        if len(shapes) != count:                 # pixels unknown: the requested size's row
            shapes = [_pixels(profile, r, r.size)] * count
        rows = [_qcode_row(w, h) for w, h in shapes]
        total = sum((_qcode_price(row, r.quality or "medium") for row in rows), Decimal(0))
        return _money(total, cur, _qcode_basis(count, r.quality, rows))
    if profile.pricing in ("tokens_credits", "tokens_usd"):
        q = r.quality or profile.default_quality
        if q not in OUTPUT_TOKENS_1024:
            return Money(None, cur, N_("quality {quality}: the response does not say which tier ran").format(quality=q))
        if len(shapes) != count:
            shapes = [_pixels(profile, r, r.size)] * count
        out = sum(expected_output_tokens(q, w, h) for w, h in shapes)
        text = usage.text_tokens if usage is not None else _prompt_tokens(r.prompt)
        image = usage.image_tokens if usage is not None else 0
        tokens = Usage(text_tokens=text, image_tokens=image, output_tokens=out)
        amount = token_credits(tokens) if profile.pricing == "tokens_credits" else token_usd(tokens)
        return _money(amount, cur, N_("{count} × {quality}: {tokens} output tokens").format(count=count, quality=q, tokens=f"{out:,}"))
    if profile.pricing == "task_reported":
        return Money(None, cur, GCCAI_NO_PRICE)
    return Money(None, cur, N_("no price list for this provider"))
