"""`easel compare`: one prompt to 2–6 providers at once, each column an ordinary job sharing one comparison id.

Provider names as `easel generate --provider` takes them; the Demo simulating a provider is `demo:<id>`
(`demo:gccai`, `demo:qcode`, `demo:icodeeasy`, `demo:openai-hk`), the same as `--provider demo --simulate <id>`.
`--json` prints one list, a fixed object per column, in the order given:
{"provider", "job_id", "status", "width", "height", "latency_s", "cost_estimate", "cost_reported", "currency",
 "error_code"}. `cost_reported` is the provider's own figure (gccai's task cost, usage tokens priced), null where
the provider reports none (QCode, sync icodeeasy: `easel usage --reconcile` has the doc's price for those);
`latency_s` is submit to image on disk.

Exit codes as the other commands: 0 every column completed, 1 one failed, 2 nothing was sent (bad options, a
column whose request breaks its provider's rules even after mapping), 3 the wait ended with one unfinished.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from easel.core.i18n import _

from easel.cli.main import (
    EXIT_FAILED, EXIT_PENDING, EXIT_USAGE, demo_key, enforce_person_budget, job_service, main, shutdown,
)
from easel.cli.outcome_json import FAILED_STATUSES, dumps

JSON_KEYS = ("provider", "job_id", "status", "width", "height", "latency_s", "cost_estimate", "cost_reported",
             "currency", "error_code")


def _targets(names: list[str]):
    from easel.compare import targets as tg
    from easel.core import config
    from easel.providers import catalog

    out = []
    sim_url = None
    for name in tg.check_names(names):
        provider, mode = tg.parse_name(name)
        if mode is not None:
            if sim_url is None:
                from easel.simulator import local

                sim_url = local.ensure_simulator()
            out.append(tg.demo_target(name, sim_url, demo_key()))
            continue
        profile = catalog.get_profile(provider)
        base_url = config.resolve_base_url(provider, profile.base_url)
        out.append(tg.keyed_target(name, profile, config.resolve_key(provider).key, base_url))
    return out


def column_json(col) -> dict:
    """One column as the fixed JSON object."""
    size = col.actual_size
    reported = col.reported
    latency = col.latency_s
    return {"provider": col.target, "job_id": col.job.id if col.job is not None else None, "status": col.status,
            "width": size[0] if size else None, "height": size[1] if size else None,
            "latency_s": None if latency is None else round(latency, 3),
            "cost_estimate": col.estimate.amount, "cost_reported": None if reported is None else reported.amount,
            "currency": col.estimate.currency, "error_code": col.code}


@main.command(help=_("Send one prompt to several providers and compare what each returns, costs and takes."))
@click.option("--providers", required=True, metavar="A,B[,…]",
              help=_("2–6 providers, comma-separated: qcode, gccai, openai-hk, icodeeasy, openai, demo, or the Demo "
                     "simulating one as demo:gccai, demo:qcode, demo:icodeeasy, demo:openai-hk."))
@click.option("--prompt", required=True)
@click.option("--size", default="1024x1024", show_default=True,
              help=_("Pixels (1536x1024) or auto; each provider gets its nearest valid size (a ratio and tier for "
                     "gccai and icodeeasy, one of QCode's three)."))
@click.option("--quality", default="medium", show_default=True, type=click.Choice(("low", "medium", "high", "auto")))
@click.option("--n", "n", type=click.IntRange(1, 10), default=1, show_default=True)
@click.option("--format", "output_format", type=click.Choice(("png", "jpeg", "webp")), default=None,
              help=_("output_format, where the provider takes it."))
@click.option("--image", "images", multiple=True, metavar="PATH|URL",
              help=_("Reference or source image; repeatable."))
@click.option("--mask", type=click.Path(exists=True, dir_okay=False),
              help=_("PNG with alpha, the first image's size."))
@click.option("--timeout", type=float, default=900.0, show_default=True, help=_("Seconds to wait for every column."))
@click.option("--zip", "zip_path", type=click.Path(dir_okay=False, path_type=Path),
              help=_("Also write every column's images and comparison.json to this ZIP file."))
@click.option("--json", "as_json", is_flag=True, help=_("Print one JSON list, an object per provider."))
def compare(providers, prompt, size, quality, n, output_format, images, mask, timeout, zip_path, as_json):
    from easel import compare as cmp
    from easel.compare import archive
    from easel.providers.request import ImageInput

    targets = _targets(providers.split(","))
    settings = cmp.CompareSettings(prompt=prompt, size=size, quality=quality, n=n, output_format=output_format,
                                   images=tuple(ImageInput.from_ref(r) for r in images),
                                   mask=ImageInput.from_path(mask) if mask else None)
    svc = job_service(recover=False)
    plan = cmp.plan_comparison(svc.store, targets, settings)
    blocked = [c for c in plan.columns if c.problem is not None]
    if blocked:
        for c in blocked:
            click.echo(_("Error: {message}").format(message=f"{c.target.name}: {c.problem.user_message()}"), err=True)
        click.echo(_("Nothing was sent."), err=True)
        svc.close(wait=False)
        sys.exit(EXIT_USAGE)
    enforce_person_budget(svc, [(c.estimate, c.target.profile.simulated) for c in plan.runnable])
    if not as_json:
        for c in plan.columns:
            for note in c.notes:
                click.echo(f"{c.target.name}: {note}", err=True)
        for w in plan.warnings():
            click.echo(_("Warning: {message}").format(message=w), err=True)
    try:
        cid = cmp.start(svc, plan)
        deadline = time.monotonic() + timeout
        for col in cmp.results(svc.store, cid):
            if col.job is not None:
                svc.wait(col.job.id, timeout=max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        svc.close(wait=False)
        raise
    shutdown(svc)
    cols = cmp.results(svc.store, cid)
    if zip_path is not None:
        archive.write_zip(svc.store, cid, zip_path)
    if as_json:
        click.echo(dumps([column_json(c) for c in cols]))
    else:
        click.echo(f"comparison {cid}")
        for c in cols:
            j = column_json(c)
            size_text = f"{j['width']}x{j['height']}" if j["width"] else "-"
            latency = "-" if j["latency_s"] is None else f"{j['latency_s']:.1f} s"
            est = "?" if j["cost_estimate"] is None else f"{j['cost_estimate']:g}"
            rep = "?" if j["cost_reported"] is None else f"{j['cost_reported']:g}"
            err = f" [{j['error_code']}]" if j["error_code"] else ""
            costs = _("{currency} est {estimate} · reported {reported}").format(currency=j["currency"], estimate=est,
                                                                                  reported=rep)
            click.echo(f"  {c.target:<16} {c.status:<10} {size_text:<10} {latency:<8} {costs}{err}")
    statuses = [c.status for c in cols]
    if any(s in FAILED_STATUSES or s == "not_sent" for s in statuses):
        sys.exit(EXIT_FAILED)
    if any(s != "completed" for s in statuses):
        sys.exit(EXIT_PENDING)
    sys.exit(0)
