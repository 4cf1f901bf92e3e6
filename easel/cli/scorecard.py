"""`easel scorecard`: run the conformance suite on one provider and print each check's verdict.

`--json` prints {"provider", "run_id", "started_at", "cost_estimate", "summary", "checks": [{"name", "status",
"expected", "got", "why", "job_ids"}]}: issue 16's keys, plus the evidence a script may want. A paid provider's
suite costs money, so it runs only after a confirmation: `--yes`, or a "y" at the prompt on a terminal.
Exit codes: 0 every check passed or was n/a, 1 a check failed, 2 the suite could not start.
"""

from __future__ import annotations

import sys

import click

from easel.cli.main import EXIT_FAILED, EXIT_USAGE, job_service, main, provider_client, shutdown
from easel.cli.outcome_json import dumps
from easel.core.i18n import _
from easel.providers.demo_modes import SIMULATABLE
from easel.scorecard import CHECKS, prepare, run

_MARK = {"pass": "PASS", "fail": "FAIL", "n/a": "n/a "}     # verdict marks stay as they are: scripts grep them


@main.command(help=_("Check what a provider does against what its doc says: pass, fail or n/a, with expected against "
                     "got."))
@click.option("--provider", required=True, help=_("demo, icodeeasy, qcode, gccai, openai-hk or openai."))
@click.option("--simulate", type=click.Choice(SIMULATABLE), default=None,
              help=_("With --provider demo: the simulator plays this provider, and is judged by its doc."))
@click.option("--checks", default=None, metavar="NAME,NAME",
              help=_("Run only these checks (default all): {checks}.").format(checks=", ".join(CHECKS)))
@click.option("--yes", is_flag=True,
              help=_("Agree to the suite's cost without a prompt (needed without a terminal)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print one JSON object with every check."))
@click.option("--base-url", help=_("Override the provider's base URL."))
def scorecard(provider, simulate, checks, yes, as_json, base_url):
    client = provider_client(provider, base_url=base_url, simulate=simulate)
    svc = job_service(recover=False)
    plan = prepare(client.profile, checks, store=svc.store)
    label = client.profile.label
    if plan.free:
        click.echo(_("{provider}: {count} probe requests, free (simulated).").format(provider=label,
                                                                                      count=len(plan.probes)),
                   err=True)
    else:
        click.echo(_("{provider}: {count} probe requests for {checks} checks; estimated total {cost} ({basis}).")
                   .format(provider=label, count=len(plan.probes), checks=len(plan.checks), cost=plan.cost.label(),
                           basis=plan.cost.basis), err=True)
        if not yes:
            if not sys.stdin.isatty():
                client.close()
                shutdown(svc)
                click.echo(_("Error: {message}").format(message=_(
                    "the scorecard spends real money on a paid provider and needs your agreement: pass --yes, or run "
                    "it in a terminal to be asked.")), err=True)
                sys.exit(EXIT_USAGE)
            if not click.confirm(_("Run it?"), default=False, err=True):
                client.close()
                shutdown(svc)
                click.echo(_("Not run; nothing was sent."), err=True)
                sys.exit(EXIT_USAGE)

    def progress(done: int, total: int, key: str) -> None:
        if not as_json:
            click.echo(f"  {done}/{total} {key}", err=True)

    try:
        card = run(svc, client, plan, on_progress=progress)
    finally:
        client.close()
        shutdown(svc)
    if as_json:
        click.echo(dumps(card.as_json()))
    else:
        for c in card.checks:
            if c.status == "n/a":
                click.echo(f"{_MARK[c.status]} {c.name:<19} {c.why}")
            else:
                click.echo(f"{_MARK[c.status]} {c.name:<19} "
                           + _("expected {expected}; got {got}").format(expected=c.expected, got=c.got))
        counts = card.counts()
        click.echo(_("{passed} pass, {failed} fail, {na} n/a · run {run}").format(
            passed=counts["pass"], failed=counts["fail"], na=counts["n/a"], run=card.run_id[:8]))
    sys.exit(EXIT_FAILED if card.counts()["fail"] else 0)
