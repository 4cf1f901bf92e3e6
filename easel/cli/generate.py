"""`easel generate` and `easel edit`: one request, sync or as a provider task, with its images copied where asked."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from easel.core.i18n import _
from easel.providers.demo_modes import SIMULATABLE
from easel.cli.main import (
    collect_outcome, enforce_person_budget, exit_code, job_service, main, print_outcome, provider_client, shutdown,
    wait_submitted,
)


def _request_options(*, image_required: bool):
    """The options `generate` and `edit` share; `edit` requires an input image."""
    options = [
        click.option("--provider", required=True, help=_("demo, icodeeasy, qcode, gccai, openai-hk or openai.")),
        click.option("--simulate", type=click.Choice(SIMULATABLE), default=None,
                     help=_("With --provider demo: the simulator plays this provider, with its rules, sizes, "
                            "async flow and errors, and no key (the sidebar's Simulate choice).")),
        click.option("--prompt", required=True),
        click.option("--size", help=_("Pixels (1024x1536), a ratio (3:2) or auto, as the provider takes.")),
        click.option("--resolution", help=_("1k, 2k or 4k, for ratio providers (icodeeasy, gccai).")),
        click.option("--quality"),
        click.option("--n", "n", type=click.IntRange(1, 10), default=1, show_default=True),
        click.option("--image", "images", multiple=True, required=image_required, metavar="PATH|URL",
                     help=_("Source image (the first) or reference image; repeatable.")),
        click.option("--mask", type=click.Path(exists=True, dir_okay=False),
                     help=_("PNG with alpha, the first image's size: transparent where to edit.")),
        click.option("--async", "async_", is_flag=True, help=_("Submit as a provider task and return at once.")),
        click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                     help=_("Copy the images here.")),
        click.option("--json", "as_json", is_flag=True,
                     help=_("Print one JSON object (job_id, task_id, status, images, cost, error).")),
        click.option("--base-url", help=_("Override the provider's base URL.")),
        click.option("--model"),
    ]

    def decorate(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn
    return decorate


# --- easel generate ----------------------------------------------------------------------------------
@main.command(help=_("Generate (or, with --image/--mask, edit) images. The job is logged before anything is sent."))
@_request_options(image_required=False)
def generate(**kw):
    _run(edit=kw["mask"] is not None, **kw)


# --- easel edit ----------------------------------------------------------------------------------------
@main.command(help=_("Edit images: the first --image is the source, more are references, --mask marks where to "
                     "repaint."))
@_request_options(image_required=True)
def edit(**kw):
    _run(edit=True, **kw)


def _run(*, provider, simulate, prompt, size, resolution, quality, n, images, mask, async_, out_dir, as_json,
         base_url, model, edit: bool) -> None:
    from easel.providers.request import ImageInput, ImageRequest
    from easel.usage.person_budgets import request_estimate

    client = provider_client(provider, base_url=base_url, simulate=simulate, outlive=async_)
    req = ImageRequest(prompt=prompt, size=size, resolution=resolution, quality=quality, n=n, model=model,
                       images=[ImageInput.from_ref(ref) for ref in images],
                       mask=ImageInput.from_path(mask) if mask else None, async_=async_, edit=edit)
    # No recovery here: `generate` runs its own job and leaves other processes' tasks to `easel tasks wait`
    # and the app, instead of polling them all at once for the second it lives.
    svc = job_service(recover=False)
    try:
        enforce_person_budget(svc, [(request_estimate(svc.store, client.profile, req), client.profile.simulated)])
        job_id = svc.submit(client, req)
        job = wait_submitted(svc, job_id) if async_ else svc.wait(job_id)
    except KeyboardInterrupt:
        svc.close(wait=False)      # the job row stays; a later process marks an abandoned sync call interrupted
        raise
    finally:
        client.close()
    shutdown(svc)
    outcome = collect_outcome(svc.store, job, out_dir)
    print_outcome(outcome, as_json=as_json, job_id=job.id)
    if async_ and job.status in ("pending", "waiting_for_key"):
        if not as_json:
            click.echo(_("Submitted. Follow it with: easel tasks wait {id}").format(id=job.id[:8]))
        sys.exit(0)
    sys.exit(exit_code(job.status))
