"""`easel batch FILE.csv|FILE.txt`: every prompt of a file as an ordinary job sharing one batch id, sent within
each key's concurrency cap and daily quota (the app's dispatcher, easel.batch).

A .txt file is one prompt per line; a .csv has a `prompt` column and optional columns for any parameter (size,
resolution, quality, n, model, provider, async, output_format, background, …); the options give the defaults. Invalid
rows are reported, with their rule, before anything is sent, and the valid rows then go.
`--json` prints one JSON object per row as it finishes, invalid rows first, with fixed keys:
{"row", "prompt", "job_id", "status", "files", "cost", "currency", "error_code"}. `cost` is the job's logged cost
once it finished (its estimate before), `files` the stored image paths.

Exit codes as the other commands: 0 every row completed, 1 a row was invalid or failed, 2 nothing could be sent
(an unreadable file, bad options, every row invalid), 3 the wait ended with rows unfinished.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from easel.core.i18n import _, ngettext

from easel.cli.main import (
    EXIT_FAILED, EXIT_PENDING, EXIT_USAGE, demo_key, enforce_person_budget, job_service, main, shutdown,
    simulate_needs_demo,
)
from easel.cli.outcome_json import dumps
from easel.providers.demo_modes import SIMULATABLE

JSON_KEYS = ("row", "prompt", "job_id", "status", "files", "cost", "currency", "error_code")


def row_json(r, locate) -> dict:
    """`locate` names where an image lives (Blobs.location): a local file, or s3://bucket/key."""
    return {"row": r.row, "prompt": r.prompt, "job_id": r.job.id if r.job is not None else None, "status": r.status,
            "files": [locate(img.path) for img in r.images], "cost": r.cost, "currency": r.currency,
            "error_code": r.error_code}


def _default_name(provider: str, simulate: str | None) -> str:
    if simulate is not None:
        if provider != "demo":
            from easel.core.errors import ValidationError

            raise ValidationError(simulate_needs_demo(provider), code="simulate_needs_demo")
        return "demo" if simulate == "demo" else f"demo:{simulate}"
    return provider


@main.command("batch", help=_("Run every prompt of a .txt (one per line) or .csv (a prompt column) as one batch."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", default="demo", show_default=True,
              help=_("The rows' provider where a row names none: demo, icodeeasy, qcode, gccai, openai-hk, openai, "
                     "or the Demo playing one as demo:qcode."))
@click.option("--simulate", type=click.Choice(SIMULATABLE), default=None,
              help=_("With --provider demo: the simulator plays this provider, with its rules."))
@click.option("--size", help=_("Default size for rows without one."))
@click.option("--resolution", help=_("Default resolution (1k, 2k, 4k) for ratio providers."))
@click.option("--quality", help=_("Default quality for rows without one."))
@click.option("--n", "n", type=click.IntRange(1, 10), default=1, show_default=True)
@click.option("--model")
@click.option("--format", "output_format", type=click.Choice(("png", "jpeg", "webp")), default=None,
              help=_("output_format, where the provider takes it."))
@click.option("--timeout", type=float, default=3600.0, show_default=True, help=_("Seconds to wait for every row."))
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Also write the batch's images and batch.csv to this ZIP file."))
@click.option("--json", "as_json", is_flag=True, help=_("Print one JSON object per row as it finishes."))
def batch_command(file, provider, simulate, size, resolution, quality, n, model, output_format, timeout, zip_path,
                  as_json):
    from easel import batch
    from easel.batch import archive
    from easel.batch.targets import resolver
    from easel.simulator import local

    rows = batch.parse_file(file.name, file.read_bytes())
    resolve = resolver(local.ensure_simulator, demo_key())
    default = resolve(_default_name(provider, simulate))
    defaults = {k: v for k, v in dict(size=size, resolution=resolution, quality=quality, n=n, model=model).items()
                if v is not None}
    if output_format:
        defaults["extras"] = {"output_format": output_format}
    svc = job_service(recover=False)
    plan = batch.plan_batch(svc.store, rows, default, resolve, defaults=defaults)
    for r in plan.invalid:
        click.echo(_("Row {row}: {message}").format(row=r.row, message=r.problem.user_message()), err=True)
    if not plan.valid:
        click.echo(_("Nothing was sent: every row is invalid."), err=True)
        svc.close(wait=False)
        sys.exit(EXIT_USAGE)
    from easel.core.models import Money

    # Every valid row together, as the Batch page weighs them; a row without a price counts as unknown.
    enforce_person_budget(svc, [(r.estimate or Money(None, plan.currency), r.target.profile.simulated)
                                for r in plan.valid])
    if not as_json:
        click.echo(_("{valid} of {total} rows to send · estimate {cost}").format(
            valid=len(plan.valid), total=len(plan.rows), cost=plan.total_label()), err=True)
        for note in batch.limit_notes(svc.store, plan):
            click.echo(note, err=True)
    locate = svc.store.blobs.location

    def report(r) -> None:
        if as_json:
            click.echo(dumps(row_json(r, locate)))
        else:
            cost = "" if r.cost is None else f" · {r.currency} {r.cost:g}"
            err = f" [{r.error_code}]" if r.error_code else ""
            click.echo(f"row {r.row:>3} {r.status:<10} {(r.job.id[:8] if r.job else '-'):<8}{cost}{err}")

    try:
        bid = batch.start(svc, plan, name=file.name)
        if not as_json:
            click.echo(f"batch {bid}", err=True)
        results = batch.wait(svc, bid, timeout=timeout, on_row=report)
    except KeyboardInterrupt:
        batch.dispatcher_for(svc).stop()
        svc.close(wait=False)
        raise
    batch.dispatcher_for(svc).stop()
    shutdown(svc)
    if zip_path is not None:
        archive.write_zip(svc.store, bid, zip_path)
    if any(not r.finished for r in results):
        left = [r.row for r in results if not r.finished]
        click.echo(ngettext("{count} row unfinished; it is sent when Easel runs again with the key (batch {batch}).",
                            "{count} rows unfinished; they are sent when Easel runs again with the key (batch "
                            "{batch}).", len(left)).format(count=len(left), batch=bid), err=True)
        sys.exit(EXIT_PENDING)
    if any(r.status != "completed" for r in results):
        sys.exit(EXIT_FAILED)
    sys.exit(0)
