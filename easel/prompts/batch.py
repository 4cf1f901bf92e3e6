"""A template batch: every expanded prompt is an ordinary job through JobService (the path Generate uses), so
it shows in Tasks, Usage and Gallery and survives a refresh or a restart like any job.

The plan comes first: the prompts, the count, each one's estimate and the total. Nothing is sent until the
caller submits the plan (the page asks for a confirmation). Jobs are submitted at once and wait in JobService's
queue for a slot: it runs at most the provider's concurrency per key (QCode: 2 in flight; qcode.txt, Quotas).
A batch that would break a daily image cap (QCode: 100 a day per key) is refused whole before anything is sent,
rather than sending the first part and failing the rest at the provider.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from easel.core.config import key_fingerprint
from easel.core.errors import ValidationError
from easel.core.i18n import _, ngettext
from easel.core.models import Money
from easel.providers import pricing
from easel.providers.catalog import Profile
from easel.providers.request import ImageRequest, validate
from easel.usage import quota

__all__ = ["BatchPlan", "plan_batch", "submit_batch"]


@dataclass
class BatchPlan:
    profile: Profile
    requests: list[ImageRequest]     # one per job: each expanded prompt, `repeat` times over
    estimates: list[Money]
    repeat: int = 1
    quota_problem: str | None = None          # why the batch would break the key's daily cap
    queue_note: str | None = None             # how many run at once; the rest wait for a slot

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def prompts(self) -> list[str]:
        return list(dict.fromkeys(r.prompt for r in self.requests))

    @property
    def images(self) -> int:
        return sum(r.n for r in self.requests)

    def total(self) -> Money:
        """The sum of every job's estimate; unknown (None) when any job's price is not known yet (gccai)."""
        cur = self.estimates[0].currency if self.estimates else self.profile.currency
        if any(m.amount is None for m in self.estimates):
            return Money(None, cur, self.estimates[0].basis if self.estimates else "")
        return Money(sum(m.amount for m in self.estimates), cur,
                     ngettext("{n} job", "{n} jobs", self.count).format(n=self.count))


def plan_batch(profile: Profile, base: ImageRequest, prompts: list[str], *, repeat: int = 1, store=None,
               api_key: str | None = None, now: float | None = None) -> BatchPlan:
    """One request per prompt (× repeat), with the base request's settings; estimates and the quota check."""
    requests = [replace(base, prompt=p) for p in prompts for _copy in range(max(1, repeat))]
    history = store.cost_history(profile.id) if store is not None and profile.pricing == "task_reported" else None
    estimates = [pricing.estimate(profile, r, history=history) for r in requests]
    plan = BatchPlan(profile, requests, estimates, max(1, repeat))
    if len(requests) > profile.concurrency:
        plan.queue_note = _("{provider} runs at most {concurrency} at once per key; the other {waiting} wait in the "
                            "queue.").format(provider=profile.label, concurrency=profile.concurrency,
                                             waiting=len(requests) - profile.concurrency)
    if profile.daily_image_cap and store is not None and api_key:
        q = quota.quota_status(store, key_fingerprint(api_key), provider=profile.id, now=now)
        if q is not None and q.used + q.in_flight + plan.images > q.cap:
            plan.quota_problem = _("{images} images would break {provider}'s daily cap of {cap} per key: {used} used "
                                   "today and {in_flight} in flight (resets 00:00 Beijing).").format(
                images=plan.images, provider=profile.label, cap=q.cap, used=q.used, in_flight=q.in_flight)
    return plan


def submit_batch(jobs, client, plan: BatchPlan, *, session_id: str | None = None) -> list[str]:
    """Submit every job of the plan; returns their ids in order. A plan over the daily cap, or with any request
    that breaks a provider rule (a prompt made too long by its values), sends nothing."""
    if plan.quota_problem:
        raise ValidationError(plan.quota_problem, code="daily_cap")
    for r in plan.requests:
        validate(r, client.profile)
    return [jobs.submit(client, r, session_id=session_id) for r in plan.requests]
