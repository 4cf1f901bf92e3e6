"""Costs to the cent, each expected value worked out here from the provider doc's own numbers."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from easel.providers import pricing
from easel.providers.catalog import BUILTIN, custom_profile
from easel.providers.client import Outcome
from easel.core.models import ImageOut, Money, TaskState, TaskStatus, Usage
from easel.providers.request import ImageInput, ImageRequest


def P(pid):
    return BUILTIN[pid]


def png(w, h) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h)).save(out, "PNG")
    return out.getvalue()


def out(w, h) -> ImageOut:
    return ImageOut(data=b"", width=w, height=h, mime="image/png")


# --- icodeeasy: CNY 0.10 / 0.20 / 0.40 per image -------------------------------------------------

@pytest.mark.parametrize("quality, n, cny, basis", [
    ("low", 1, 0.10, "1 × low"), ("medium", 2, 0.40, "2 × medium"), ("high", 3, 1.20, "3 × high"),
    ("auto", 4, 0.80, "4 × auto (billed as medium)"), (None, 1, 0.20, "1 × medium"),
])
def test_icodeeasy_estimate_is_tier_times_n(quality, n, cny, basis):
    m = pricing.estimate(P("icodeeasy"), ImageRequest("p", quality=quality, n=n))
    assert m == Money(pytest.approx(cny), "CNY", basis)
    assert m.amount == round(cny, 2)      # exact to the cent, no float drift (0.1 × 3 would be 0.30000000000000004)


def test_icodeeasy_cost_line_matches_the_generate_page_example():
    m = pricing.estimate(P("icodeeasy"), ImageRequest("p", quality="medium", n=2))
    assert f"≈ {m.label()} ({m.basis})" == "≈ CNY 0.40 (2 × medium)"


def test_icodeeasy_actual_counts_returned_images_or_uses_the_task_report():
    req = ImageRequest("p", quality="high", n=2)
    assert pricing.actual(P("icodeeasy"), req, images=[out(1024, 1024)]).amount == 0.40
    assert pricing.actual(P("icodeeasy"), req, reported_cost=0.8) == Money(0.8, "CNY", "task report")
    task = TaskStatus("t", TaskState.COMPLETED, reported_cost=0.2)
    assert pricing.actual(P("icodeeasy"), ImageRequest("p"), task).amount == 0.2


# --- QCode: USD table with a $0.08 floor ---------------------------------------------------------

@pytest.mark.parametrize("size, quality, n, usd", [
    ("1024x1024", "high", 1, 0.211), ("1024x1024", "high", 2, 0.422),   # the doc's own n=2 example
    ("1024x1536", "high", 1, 0.165), ("1536x1024", "high", 3, 0.495),
    ("1024x1024", "low", 1, 0.08), ("1536x1024", "medium", 4, 0.32),
])
def test_qcode_estimate_follows_the_price_table(size, quality, n, usd):
    m = pricing.estimate(P("qcode"), ImageRequest("p", size=size, quality=quality, n=n))
    assert m.currency == "USD" and m.amount == pytest.approx(usd, abs=1e-9)
    assert m.basis == f"{n} × {quality} {size}"


def test_qcode_auto_quality_on_an_edit_is_estimated_as_high():
    req = ImageRequest("p", size="1024x1024", quality="auto", images=[ImageInput.from_bytes(png(16, 16))])
    m = pricing.estimate(P("qcode"), req)
    assert m.amount == pytest.approx(0.211) and m.basis == "1 × auto, priced as high 1024x1024"


@pytest.mark.parametrize("w, h, usd", [(900, 1600, 0.165), (1600, 900, 0.165), (800, 800, 0.211)])
def test_qcode_auto_size_estimate_uses_the_first_inputs_shape(w, h, usd):
    req = ImageRequest("p", size="auto", quality="high", images=[ImageInput.from_bytes(png(w, h))])
    assert pricing.estimate(P("qcode"), req).amount == pytest.approx(usd)


def test_qcode_actual_prices_each_output_by_its_real_shape():
    req = ImageRequest("p", size="auto", quality="high", n=2, images=[ImageInput.from_bytes(png(8, 8))])
    m = pricing.actual(P("qcode"), req, images=[out(2048, 2048), out(1024, 1536)])
    assert m.amount == pytest.approx(0.285 + 0.165)
    assert pricing.actual(P("qcode"), req, Outcome(images=[out(1536, 1024)])).amount == pytest.approx(0.165)


# --- openai-hk credits and OpenAI USD from usage tokens ------------------------------------------

def credits(text, image, output):
    return (text * 5 + image * 10 + output * 40) * 7.1 * 10000 / 1_000_000


def test_openai_hk_actual_is_the_docs_credit_formula():
    usage = Usage(text_tokens=6, image_tokens=0, output_tokens=275)      # the doc's response example
    m = pricing.actual(P("openai-hk"), ImageRequest("p"), usage=usage)
    assert m.currency == "credits" and m.amount == pytest.approx(credits(6, 0, 275), abs=1e-9)
    assert m.label() == "783 credits"


def test_openai_hk_estimate_matches_the_docs_800_and_3000_credits():
    low = pricing.estimate(P("openai-hk"), ImageRequest("", size="1024x1024", quality="low"))
    medium = pricing.estimate(P("openai-hk"), ImageRequest("", size="1024x1024", quality="medium"))
    assert low.amount == pytest.approx(credits(0, 0, 272)) and 700 < low.amount < 900
    assert medium.amount == pytest.approx(credits(0, 0, 1056)) and 2900 < medium.amount < 3100


def test_openai_hk_estimate_scales_output_tokens_by_area_and_counts_prompt_tokens():
    prompt = "a" * 40                                       # 40 bytes → 10 text tokens
    m = pricing.estimate(P("openai-hk"), ImageRequest(prompt, size="2048x2048", quality="high", n=2))
    assert m.amount == pytest.approx(credits(10, 0, 2 * 4160 * 4))
    assert m.basis == "2 × high 2048x2048"


def test_generic_openai_and_demo_bill_usd_per_million_tokens():
    usage = Usage(text_tokens=100, image_tokens=1000, output_tokens=4160)
    expected = (100 * 5 + 1000 * 10 + 4160 * 40) / 1e6
    for pid in ("openai", "demo"):
        m = pricing.actual(P(pid), ImageRequest("p"), usage=usage)
        assert m.currency == "USD" and m.amount == pytest.approx(expected, abs=1e-12)
    est = pricing.estimate(P("openai"), ImageRequest("", size="1024x1024", quality="medium"))
    assert est.amount == pytest.approx(1056 * 40 / 1e6)


def test_token_pricing_without_usage_falls_back_to_the_estimate():
    m = pricing.actual(P("openai-hk"), ImageRequest("", size="1024x1024", quality="low"), images=[out(1024, 1024)])
    assert m.amount == pytest.approx(credits(0, 0, 272)) and m.basis.startswith("estimated, no usage reported")


# --- gccai: the task's reported cost, estimate from history --------------------------------------

def test_gccai_actual_is_the_tasks_reported_cost_in_usd():
    task = TaskStatus("t", TaskState.COMPLETED, reported_cost=0.05279)
    assert pricing.actual(P("gccai"), ImageRequest("p"), task) == Money(0.05279, "USD", "task report")


def test_gccai_estimate_without_history_says_there_is_no_price_list():
    m = pricing.estimate(P("gccai"), ImageRequest("p"))
    assert m == Money(None, "USD", "gccai publishes no price list; the task reports its cost")
    assert m.label() == "USD ?"


def test_gccai_estimate_is_the_median_of_matching_history_times_n():
    history = [("high", "2k", 0.10), ("high", "2k", 0.30), ("high", "2k", 0.20), ("low", "2k", 9.0), ("high", "1k", 9.0)]
    m = pricing.estimate(P("gccai"), ImageRequest("p", quality="high", resolution="2k", n=3), history=history)
    assert m.amount == pytest.approx(0.60) and m.currency == "USD"
    assert m.basis == "3 × median of 3 past high 2k images"


# --- failures ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pid, currency", [("icodeeasy", "CNY"), ("qcode", "USD"), ("openai-hk", "credits"),
                                           ("gccai", "USD"), ("openai", "USD")])
def test_failures_cost_zero_in_the_profiles_currency(pid, currency):
    m = pricing.actual(P(pid), ImageRequest("p"), failed=True, usage=Usage(1, 1, 1), reported_cost=1.0)
    assert (m.amount, m.currency) == (0.0, currency)


def test_custom_profiles_price_like_their_dialect_template():
    prof = custom_profile("mine", "https://img.example.com/v1", "icodeeasy", register=False)
    assert pricing.estimate(prof, ImageRequest("p", quality="low", n=2)).amount == pytest.approx(0.20)
