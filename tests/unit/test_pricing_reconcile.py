"""pricing.reported and pricing.formula: the provider's own figure and the doc's formula, kept apart, each
expected value worked out here from the provider docs' numbers."""

from __future__ import annotations

import pytest

from easel.core.models import ImageOut, Money, TaskState, TaskStatus, Usage
from easel.providers import pricing
from easel.providers.catalog import BUILTIN
from easel.providers.client import Outcome
from easel.providers.request import ImageRequest


def P(pid):
    return BUILTIN[pid]


def out(w, h) -> ImageOut:
    return ImageOut(data=b"", width=w, height=h, mime="image/png")


# --- QCode: the price table by the returned pixels, the $0.08 floor, n × price; nothing reported ---------------

@pytest.mark.parametrize("quality, shapes, usd, basis", [
    ("high", [(1024, 1024)], 0.211, "1 × high 1024x1024"),
    ("high", [(1024, 1024), (1024, 1024)], 0.422, "2 × high 1024x1024"),          # qcode.txt's own example
    ("low", [(1024, 1024)], 0.08, "1 × low 1024x1024"),                              # the floor
    ("medium", [(2048, 2048)], 0.08, "1 × medium 2048x2048"),
    ("high", [(1536, 1024)], 0.165, "1 × high 1536x1024"),
    ("high", [(2048, 2048)], 0.285, "1 × high 2048x2048"),
    ("auto", [(1000, 1500)], 0.165, "1 × auto, priced as high 1024x1536"),           # an edit's auto size: by shape
])
def test_qcode_formula_prices_what_came_back(quality, shapes, usd, basis):
    m = pricing.formula(P("qcode"), ImageRequest("p", quality=quality, n=len(shapes), size="1024x1024"),
                        images=[out(w, h) for w, h in shapes])
    assert m == Money(usd, "USD", basis)


def test_qcode_formula_follows_the_returned_pixels_not_the_requested_size():
    # Asked 1024x1024 high, got 1536x1024: the row of what came back ($0.165), not of the request ($0.211).
    m = pricing.formula(P("qcode"), ImageRequest("p", quality="high", size="1024x1024"), images=[out(1536, 1024)])
    assert m.amount == 0.165


def test_qcode_reports_nothing():
    m = pricing.reported(P("qcode"), ImageRequest("p"), Outcome(usage=None, reported_cost=None))
    assert m == Money(None, "USD", pricing.QCODE_NO_REPORT)


# --- icodeeasy: n × tier in CNY; only its async task reports a cost -------------------------------------------

@pytest.mark.parametrize("quality, n, cny", [("low", 1, 0.1), ("medium", 2, 0.4), ("high", 3, 1.2), ("auto", 1, 0.2),
                                             (None, 1, 0.2)])
def test_icodeeasy_formula_is_images_times_tier(quality, n, cny):
    m = pricing.formula(P("icodeeasy"), ImageRequest("p", quality=quality, n=4), images=[out(1024, 1024)] * n)
    assert (m.amount, m.currency) == (cny, "CNY")       # the returned count, not the requested n = 4


def test_icodeeasy_reports_its_task_cost_and_nothing_in_sync_mode():
    task = TaskStatus(task_id="t", state=TaskState.COMPLETED, reported_cost=0.2)
    assert pricing.reported(P("icodeeasy"), ImageRequest("p"), task) == Money(0.2, "CNY", "task report")
    sync = pricing.reported(P("icodeeasy"), ImageRequest("p"), Outcome())
    assert sync == Money(None, "CNY", pricing.ICODEEASY_SYNC_NO_REPORT)


# --- tokens: openai-hk credits, OpenAI / Demo USD --------------------------------------------------------------

def test_openai_hk_reported_credits_come_from_the_usage_tokens():
    # openai-hk.txt: (text×5 + image×10 + output×40) × 7.1 × 10000 / 1e6 credits.
    usage = Usage(text_tokens=6, image_tokens=0, output_tokens=275)
    m = pricing.reported(P("openai-hk"), ImageRequest("p"), Outcome(usage=usage))
    assert m.currency == "credits" and m.amount == pytest.approx((6 * 5 + 275 * 40) * 7.1 * 10000 / 1e6)
    assert m.amount == pytest.approx(783.13)


def test_token_formula_uses_the_returned_pixels_for_output_and_the_responses_input_tokens():
    usage = Usage(text_tokens=6, image_tokens=100, output_tokens=9999)            # output inflated
    hk = pricing.formula(P("openai-hk"), ImageRequest("p", quality="low"), images=[out(1024, 1024)], usage=usage)
    assert hk.amount == pytest.approx((6 * 5 + 100 * 10 + 272 * 40) * 0.071)
    assert hk.basis == "1 × low: 272 output tokens"
    demo = pricing.formula(P("demo"), ImageRequest("p", quality="medium"), images=[out(1024, 1536)] * 2,
                           usage=usage)
    assert demo.amount == pytest.approx((6 * 5 + 100 * 10 + 2 * 1584 * 40) / 1e6)    # 1056 × 1.5 per image
    assert demo.currency == "USD"


def test_token_formula_has_no_answer_for_quality_auto():
    m = pricing.formula(P("openai"), ImageRequest("p", quality="auto"), images=[out(1024, 1024)],
                        usage=Usage(text_tokens=3, output_tokens=1056))
    assert m.amount is None and m.basis == "quality auto: the response does not say which tier ran"


def test_no_usage_means_nothing_reported():
    assert pricing.reported(P("demo"), ImageRequest("p"), Outcome()).amount is None


# --- gccai: the task's cost, no formula ----------------------------------------------------------------------

def test_gccai_reports_the_task_cost_and_has_no_formula():
    task = TaskStatus(task_id="t", state=TaskState.COMPLETED, reported_cost=0.05279)
    assert pricing.reported(P("gccai"), ImageRequest("p"), task) == Money(0.05279, "USD", "task report")
    assert pricing.formula(P("gccai"), ImageRequest("p"), images=[out(1024, 1024)]) == \
        Money(None, "USD", pricing.GCCAI_NO_PRICE)


def test_a_failed_task_keeps_its_reported_cost_and_its_formula_is_zero():
    failed = TaskStatus(task_id="t", state=TaskState.FAILED, reported_cost=0.04)
    assert pricing.reported(P("gccai"), ImageRequest("p"), failed).amount == 0.04
    for pid, cur in (("gccai", "USD"), ("qcode", "USD"), ("icodeeasy", "CNY"), ("openai-hk", "credits")):
        assert pricing.formula(P(pid), ImageRequest("p"), failed=True) == Money(0.0, cur, "failed: not billed")
