"""Planning a template batch without sending: one request per prompt × repeat, each estimate, the total, and a
total left unknown where one price is (gccai before it has reported any)."""

from __future__ import annotations

from easel.prompts.batch import plan_batch
from easel.providers.catalog import BUILTIN
from easel.providers.request import ImageRequest


def test_repeat_multiplies_jobs_and_the_total_sums_each_estimate():
    plan = plan_batch(BUILTIN["icodeeasy"], ImageRequest(prompt="x", quality="high", size="1:1"), ["a", "b"], repeat=3)
    assert [r.prompt for r in plan.requests] == ["a", "a", "a", "b", "b", "b"]
    assert plan.prompts == ["a", "b"] and plan.count == 6
    assert [m.amount for m in plan.estimates] == [0.4] * 6           # icodeeasy.txt: high is CNY 0.40
    total = plan.total()
    assert (round(total.amount, 10), total.currency, total.label()) == (2.4, "CNY", "CNY 2.40")
    assert plan.queue_note == "icodeeasy runs at most 4 at once per key; the other 2 wait in the queue."


def test_an_unknown_price_leaves_the_total_unknown():
    plan = plan_batch(BUILTIN["gccai"], ImageRequest(prompt="x", size="1:1"), ["a", "b"])
    assert plan.total().amount is None and plan.total().currency == "USD"
