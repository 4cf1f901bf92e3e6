"""`easel tasks list|show|wait`: follow jobs started here or in the app."""

from __future__ import annotations

import datetime as dt
import sys
import time

import click

from easel.core import identity
from easel.core.i18n import _
from easel.cli.main import (
    EXIT_FAILED, EXIT_PENDING, collect_outcome, exit_code, find_job, job_service, main, print_outcome, register_ambient_keys, shutdown,
    viewer_store,
)
from easel.cli.outcome_json import FAILED_STATUSES, dumps, job_summary
from easel.providers import catalog


# --- easel tasks ---------------------------------------------------------------------------------------
@main.group(help=_("List, show and wait for jobs and provider tasks."))
def tasks() -> None:
    pass


@tasks.command("list", help=_("Recent jobs, newest first."))
@click.option("--status", help=_("Only jobs in this status."))
@click.option("--provider")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help=_("One JSON object per job, one per line (nothing when none)."))
def tasks_list(status, provider, limit, as_json):
    store = viewer_store()
    rows = store.list_jobs(status=status, provider=provider, limit=limit)
    if as_json:
        for job in rows:
            click.echo(dumps(job_summary(job)))
        return
    if not rows:
        click.echo(_("No jobs."))
        return
    for job in rows:
        when = dt.datetime.fromtimestamp(job.created_at).strftime("%Y-%m-%d %H:%M:%S")   # ISO in every language: a column
        progress = f" {job.progress}%" if job.progress is not None and not job.is_terminal else ""
        prompt = " ".join(job.prompt.split())
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        click.echo(f"{job.id[:8]}  {when}  {job.provider:<10} {job.mode:<5} {job.status + progress:<16} {prompt}")


@tasks.command("show", help=_("A job's current state, without polling. ID: a job id, a prefix of one, or the provider's "
                              "task id."))
@click.argument("job_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True,
              help=_("One JSON object: status, progress, task_id, images (paths on disk), cost and error."))
def tasks_show(job_id, as_json):
    store = viewer_store()
    job = find_job(store, job_id)
    outcome = collect_outcome(store, job)
    print_outcome(outcome, as_json=as_json, job_id=job.id)
    if not as_json:
        click.echo("  " + _("prompt: {prompt}").format(prompt=job.prompt))
        for name in ("size", "resolution", "quality", "n"):
            click.echo(f"  {name}: {getattr(job, name)}")
    sys.exit(EXIT_FAILED if job.status in FAILED_STATUSES else 0)


@tasks.command("wait", help=_("Follow one job (or, without an ID, every unfinished job) to its end through the poller. "
                              "ID: a job id, a prefix of one, or the provider's task id."))
@click.argument("job_id", metavar="[ID]", required=False)
@click.option("--json", "as_json", is_flag=True, help=_("One JSON object per job, one per line."))
@click.option("--timeout", type=float, default=None, help=_("Give up waiting after S seconds."))
def tasks_wait(job_id, as_json, timeout):
    svc = job_service()
    who = identity.current()
    mine = svc.store.for_viewer(who)
    if job_id:
        targets = [find_job(mine, job_id)]
    else:
        from easel.store import ACTIVE_STATUSES

        targets = list(reversed(mine.list_jobs(status=ACTIVE_STATUSES, followed=True, limit=100_000)))
        if not targets:
            if not as_json:
                click.echo(_("Nothing to wait for."))
            return
    missing = {j.id for j in register_ambient_keys(svc, [j for j in targets if not j.is_terminal])}
    if svc.store.pending_tasks():
        svc.poller.start()
        svc.poller.wake()
    deadline = None if timeout is None else time.monotonic() + timeout
    codes = []
    for job in targets:
        if job.id in missing:
            job = svc.get(job.id, viewer=who) or job
            click.echo(_("{id}: waiting for the {provider} key {fingerprint}; set EASEL_{env_id}_API_KEY to that key.")
                       .format(id=job.id[:8], provider=job.provider, fingerprint=job.key_fingerprint,
                               env_id=catalog.get_profile(job.provider).env_id), err=True)
        elif not job.is_terminal:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            job = svc.wait(job.id, left)
        print_outcome(collect_outcome(mine, job), as_json=as_json, job_id=job.id)
        codes.append(EXIT_PENDING if job.id in missing else exit_code(job.status))
        if codes[-1] == EXIT_PENDING and job.id not in missing:
            click.echo(_("{id} is still {status}.").format(id=job.id[:8], status=job.status), err=True)
    shutdown(svc)
    # A failure outranks a job still running: a script should see the failure first.
    sys.exit(EXIT_FAILED if EXIT_FAILED in codes else EXIT_PENDING if EXIT_PENDING in codes else 0)
