"""Billing misbehaviour real resellers show, for proving that reconciliation catches it (issue 16).

- `overbill`: the provider's own figure is above its doc's formula. gccai and icodeeasy tasks report twice
  their cost; openai-family responses (openai-hk, Demo, OpenAI) report twice the output tokens. QCode reports
  no cost at all (qcode.txt), so there is nothing for it to inflate and the rule does not fire there.
- `bill_failure`: a failed task still reports the cost it would have had (every doc says failures cost 0).
  Only a task can show it: no doc's sync error body carries a cost or usage, so a sync failure has no figure
  to get wrong. The rule acts at submit: the task fails when it would have completed, reporting its cost.

Rules aim at the `submit` endpoint (or none), where the figure is decided.
"""

from __future__ import annotations

__all__ = ["OVERBILL_FACTOR", "BILLING_KINDS", "overbilled_cost", "overbilled_usage", "failure_cost"]

OVERBILL_FACTOR = 2
BILLING_KINDS = ("overbill", "bill_failure")


def overbilled_cost(ctx, cost: float) -> float:
    """A task's reported cost: ×2 when an `overbill` rule fires."""
    return round(cost * OVERBILL_FACTOR, 5) if ctx.take("overbill") is not None else cost


def overbilled_usage(ctx, usage: dict) -> dict:
    """A response's token usage with the output tokens ×2 when an `overbill` rule fires (totals kept consistent)."""
    if ctx.take("overbill") is None:
        return usage
    out = dict(usage)
    extra = usage["output_tokens"] * (OVERBILL_FACTOR - 1)
    out["output_tokens"] = usage["output_tokens"] + extra
    out["total_tokens"] = usage["total_tokens"] + extra
    return out


def failure_cost(ctx) -> bool:
    """Whether this task fails yet reports its cost (a `bill_failure` rule fired)."""
    return ctx.take("bill_failure") is not None
