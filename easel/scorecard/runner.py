"""Running the suite: every probe is an ordinary job (JobService → client → provider, logged in the usage log
under the session id `scorecard:<run id>`), then each check is judged and stored with the run's date."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from easel.core import identity
from easel.core.errors import EaselError
from easel.core.models import Money
from easel.scorecard import judge as judging
from easel.scorecard.suite import Probe, plan, select_checks, suite_cost
from easel.store import scorecards
from easel.usage import person_budgets

__all__ = ["Scorecard", "prepare", "run", "SESSION_PREFIX", "Plan"]

SESSION_PREFIX = "scorecard:"      # the session id of every probe job: tells scorecard requests apart in the log


@dataclass
class Plan:
    profile: object
    checks: list[str]
    probes: list[Probe]
    cost: Money

    @property
    def free(self) -> bool:
        return bool(getattr(self.profile, "simulated", False))


@dataclass
class Scorecard:
    provider: str
    run_id: str
    started_at: float
    finished_at: float
    cost: Money
    checks: list[judging.CheckResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "n/a": 0}
        for c in self.checks:
            out[c.status] += 1
        return out

    def as_json(self) -> dict:
        """The CLI's object: provider and checks[{name, status, expected, got}] (issue 16), plus why, job ids, the
        run's id and date, its counts and the suite's estimated cost."""
        return {
            "provider": self.provider,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "cost_estimate": {"amount": self.cost.amount, "currency": self.cost.currency, "basis": self.cost.basis},
            "summary": self.counts(),
            "checks": [{"name": c.name, "status": c.status, "expected": c.expected, "got": c.got, "why": c.why,
                        "job_ids": c.job_ids} for c in self.checks],
        }


def prepare(profile, checks: list[str] | str | None = None, *, store=None) -> Plan:
    """The suite for a provider and its total cost, before anything is sent (what the confirmation shows).
    `store`: where gccai's past costs are read from, its only price source."""
    names = select_checks(checks)
    probes = plan(profile, names)
    history = store.cost_history(profile.id) if store is not None and profile.pricing == "task_reported" else None
    return Plan(profile, names, probes, suite_cost(profile, probes, history=history))


def run(service, client, plan_: Plan, *, on_progress: Callable[[int, int, str], None] | None = None) -> Scorecard:
    """Send every probe through `service` (a JobService) with `client`, wait for all, judge, store, return."""
    profile = client.profile
    store = service.store
    # The suite is new spend like any request: the acting person's daily budget is checked for its whole estimate
    # before a probe goes out (person_daily_budget), as Generate checks one request.
    person_budgets.check_requests(store, identity.current().id, [(plan_.cost, profile.simulated)])
    started = time.time()
    run_id = scorecards.create_run(store, profile.id, checks=plan_.checks, simulated=profile.simulated,
                                   cost_estimated=plan_.cost.amount, currency=plan_.cost.currency, started_at=started)
    session = SESSION_PREFIX + run_id
    results: dict[str, judging.ProbeResult] = {}
    job_ids: dict[str, str] = {}
    for probe in plan_.probes:
        results[probe.key] = judging.ProbeResult(probe)
        try:
            job_ids[probe.key] = service.submit(client, probe.request, session_id=session, check=probe.check)
        except EaselError as e:       # Easel's own rules refused a probe: nothing went out, the check says so
            results[probe.key].refused = e.log_message()
    total = len(plan_.probes)
    done = total - len(job_ids)
    if on_progress:
        on_progress(done, total, "submitted")
    for key, job_id in job_ids.items():
        job = service.wait(job_id, timeout=_patience(profile))
        result = results[key]
        result.job = job
        result.images = [(row, store.image_bytes(row)) for row in store.list_images(job_id=job_id, include_deleted=True)]
        attempts = store.list_attempts(job_id)
        result.status_code = attempts[-1].status_code if attempts else None
        done += 1
        if on_progress:
            on_progress(done, total, key)
    checks = judging.judge(profile, plan_.checks, results)
    scorecards.add_checks(store, run_id, [scorecards.CheckRow(c.name, c.status, c.expected, c.got, c.why, c.job_ids)
                                          for c in checks])
    finished = time.time()
    scorecards.finish_run(store, run_id, finished_at=finished)
    return Scorecard(profile.id, run_id, started, finished, plan_.cost, checks)


def _patience(profile) -> float:
    """How long one probe may take: the provider's own request timeout plus its task deadline."""
    return profile.request_timeout_s + profile.poll.deadline_s
