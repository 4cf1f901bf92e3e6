"""The `easel` command: generate, follow tasks, read the usage log, and run the simulator, from a shell.

Everything goes through the same JobService and store as the app, so a job started here shows on the Tasks
page and a task submitted by the app can be waited for here. No Python traceback reaches the user: every
EaselError becomes its user message on stderr and a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path

import click

from . import catalog, config
from .errors import ConfigError, EaselError, UploadError, ValidationError
from .outcome_json import FAILED_STATUSES, dumps, job_outcome

__all__ = ["main"]

DEMO_KEY = "demo-test-key"     # the same key the app's Demo uses, so both share one concurrency slot per process

# Exit codes: 1 the request ran and failed; 2 the command could not start (usage, config, validation);
# 3 a wait ended with the job still unfinished.
EXIT_FAILED, EXIT_USAGE, EXIT_PENDING = 1, 2, 3


class _Group(click.Group):
    """Turns every EaselError, and an interrupt, into a one-line message instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ConfigError, ValidationError, UploadError) as e:
            click.echo(f"Error: {e.user_message()}", err=True)
            ctx.exit(EXIT_USAGE)
        except EaselError as e:
            click.echo(f"Error: {e.user_message()}", err=True)
            ctx.exit(EXIT_FAILED)
        except OSError as e:
            click.echo(f"Error: {e.strerror or e}{f': {e.filename}' if e.filename else ''}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("Stopped. Submitted jobs continue with `easel tasks wait`.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Easel: gpt-image-2 across image-API providers."""


# --- shared plumbing ---------------------------------------------------------------------------------
def _service(*, recover: bool = True):
    from . import jobs

    return jobs.service(recover=recover)


def _client(provider: str, *, base_url: str | None = None):
    """A client for a provider, with its key from secrets or the environment (the Demo uses its simulator)."""
    from .client import ProviderClient

    profile = catalog.get_profile(provider)
    if profile.simulated:
        from .simulator import local

        profile = catalog.simulated_profile(profile, local.ensure_simulator())
        return ProviderClient(profile, config.resolve_key(provider).key or DEMO_KEY,
                              base_url=base_url or profile.base_url)
    key = config.resolve_key(provider)
    if not key.key:
        raise ConfigError(f"No API key for {profile.label}. Set EASEL_{profile.env_id}_API_KEY, or add "
                          f"[providers.{provider}] api_key to .streamlit/secrets.toml.", code="missing_key")
    return ProviderClient(profile, key.key, base_url=config.resolve_base_url(provider, profile.base_url, base_url))


def _find_job(store, job_id: str):
    """A job by its id or an unambiguous prefix of it (`tasks list` shows 8 characters)."""
    job = store.get_job(job_id)
    if job is not None:
        return job
    matches = [j for j in store.list_jobs(limit=100_000) if j.id.startswith(job_id)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError(f"{job_id!r} matches {len(matches)} jobs; give more of the id.", code="ambiguous_id")
    raise ValidationError(f"No job {job_id!r} in {store.path}.", code="unknown_job")


def _outcome(store, job, out_dir: Path | None = None) -> dict:
    images = store.list_images(job_id=job.id, include_deleted=True)
    paths = None
    if out_dir is not None and images:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for img in images:
            src = store.blobs.path(img.path)
            dest = out_dir / f"{job.id[:8]}-{img.idx}{src.suffix}"
            shutil.copyfile(src, dest)
            paths.append(str(dest.resolve()))
    return job_outcome(job, images, image_root=store.root.resolve(), paths=paths)


def _report(outcome: dict, *, as_json: bool, job_id: str) -> None:
    if as_json:
        click.echo(dumps(outcome))
    else:
        cost = outcome["cost"]
        money = cost["actual"] if cost["actual"] is not None else cost["estimated"]
        cost_text = "" if money is None else f" · {cost['currency']} {money:g}"
        latency = "" if outcome["latency_s"] is None else f" · {outcome['latency_s']:.1f} s"
        task = f" · task {outcome['task_id']}" if outcome["task_id"] else ""
        click.echo(f"{job_id[:8]} {outcome['provider']} {outcome['status']}{task}{cost_text}{latency}")
        for img in outcome["images"]:
            click.echo(f"  {img['path']} ({img['width']}x{img['height']})")
    if outcome["error"]:
        click.echo(f"Error: {outcome['error']['message']}", err=True)


def _exit_code(status: str) -> int:
    if status in FAILED_STATUSES:
        return EXIT_FAILED
    if status == "completed":
        return 0
    return EXIT_PENDING


def _register_ambient_keys(svc, jobs_) -> list:
    """Hand the poller the keys this process can see for the given jobs. Returns the jobs whose key it lacks."""
    missing = []
    for job in jobs_:
        if (job.provider, job.key_fingerprint) in svc.keyring:
            continue
        try:
            profile = catalog.get_profile(job.provider)
        except ConfigError:
            missing.append(job)
            continue
        key = config.resolve_key(job.provider).key or (DEMO_KEY if profile.simulated else None)
        if key and config.key_fingerprint(key) == job.key_fingerprint:
            svc.keyring.add(profile, key, job.base_url)
        else:
            missing.append(job)
    return missing


# --- easel generate ----------------------------------------------------------------------------------
@main.command()
@click.option("--provider", required=True, help="demo, icodeeasy, qcode, gccai, openai-hk or openai.")
@click.option("--prompt", required=True)
@click.option("--size", help="Pixels (1024x1536), a ratio (3:2) or auto, as the provider takes.")
@click.option("--resolution", help="1k, 2k or 4k, for ratio providers (icodeeasy, gccai).")
@click.option("--quality")
@click.option("--n", "n", type=click.IntRange(1, 10), default=1, show_default=True)
@click.option("--image", "images", multiple=True, metavar="PATH|URL", help="Reference or source image; repeatable.")
@click.option("--mask", type=click.Path(exists=True, dir_okay=False), help="PNG with alpha: where to edit.")
@click.option("--async", "async_", is_flag=True, help="Submit as a provider task and return at once.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Copy the images here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--base-url", help="Override the provider's base URL.")
@click.option("--model")
def generate(provider, prompt, size, resolution, quality, n, images, mask, async_, out_dir, as_json, base_url, model):
    """Generate (or, with --image/--mask, edit) images. The job is logged before anything is sent."""
    from .request import ImageInput, ImageRequest

    client = _client(provider, base_url=base_url)
    req = ImageRequest(prompt=prompt, size=size, resolution=resolution, quality=quality, n=n, model=model,
                       images=[ImageInput.from_ref(ref) for ref in images],
                       mask=ImageInput.from_path(mask) if mask else None, async_=async_, edit=mask is not None)
    # No recovery here: `generate` runs its own job and leaves other processes' tasks to `easel tasks wait`
    # and the app, instead of polling them all at once for the second it lives.
    svc = _service(recover=False)
    try:
        job_id = svc.submit(client, req)
        job = _wait_submitted(svc, job_id) if async_ else svc.wait(job_id)
    except KeyboardInterrupt:
        svc.close(wait=False)      # the job row stays; a later process marks an abandoned sync call interrupted
        raise
    finally:
        client.close()
    _shutdown(svc)
    outcome = _outcome(svc.store, job, out_dir)
    _report(outcome, as_json=as_json, job_id=job.id)
    if async_ and job.status in ("pending", "waiting_for_key"):
        if not as_json:
            click.echo(f"Submitted. Follow it with: easel tasks wait {job.id[:8]}")
        sys.exit(0)
    sys.exit(_exit_code(job.status))


def _shutdown(svc) -> None:
    """Let workers finish and stop the poller, so no download is cut off at exit holding a lease that would make
    the next process wait for it to expire. Stopped twice: a worker finishing a submit starts the poller."""
    svc.close(wait=True)
    svc.poller.stop()


def _wait_submitted(svc, job_id: str):
    """Wait until the provider has given task ids and they are stored, so another process can resume them."""
    while True:
        job = svc.get(job_id)
        if job.is_terminal or job.status in ("pending", "waiting_for_key"):
            return job
        time.sleep(0.05)


# --- easel tasks ---------------------------------------------------------------------------------------
@main.group()
def tasks() -> None:
    """List, show and wait for jobs and provider tasks."""


@tasks.command("list")
@click.option("--status", help="Only jobs in this status.")
@click.option("--provider")
@click.option("--limit", type=int, default=50, show_default=True)
def tasks_list(status, provider, limit):
    """Recent jobs, newest first."""
    from .store import Store

    store = Store()
    rows = store.list_jobs(status=status, provider=provider, limit=limit)
    if not rows:
        click.echo("No jobs.")
        return
    for job in rows:
        when = dt.datetime.fromtimestamp(job.created_at).strftime("%Y-%m-%d %H:%M:%S")
        progress = f" {job.progress}%" if job.progress is not None and not job.is_terminal else ""
        prompt = " ".join(job.prompt.split())
        prompt = prompt if len(prompt) <= 50 else prompt[:49] + "…"
        click.echo(f"{job.id[:8]}  {when}  {job.provider:<10} {job.mode:<5} {job.status + progress:<16} {prompt}")


@tasks.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True)
def tasks_show(job_id, as_json):
    """A job's current state, without polling."""
    from .store import Store

    store = Store()
    job = _find_job(store, job_id)
    outcome = _outcome(store, job)
    _report(outcome, as_json=as_json, job_id=job.id)
    if not as_json:
        click.echo(f"  prompt: {job.prompt}")
        for name in ("size", "resolution", "quality", "n"):
            click.echo(f"  {name}: {getattr(job, name)}")
    sys.exit(EXIT_FAILED if job.status in FAILED_STATUSES else 0)


@tasks.command("wait")
@click.argument("job_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per job, one per line.")
@click.option("--timeout", type=float, default=None, help="Give up waiting after S seconds.")
def tasks_wait(job_id, as_json, timeout):
    """Follow one job (or, without an ID, every unfinished job) to its end through the poller."""
    svc = _service()
    if job_id:
        targets = [_find_job(svc.store, job_id)]
    else:
        from .store import ACTIVE_STATUSES

        targets = list(reversed(svc.store.list_jobs(status=ACTIVE_STATUSES, followed=True, limit=100_000)))
        if not targets:
            if not as_json:
                click.echo("Nothing to wait for.")
            return
    missing = {j.id for j in _register_ambient_keys(svc, [j for j in targets if not j.is_terminal])}
    if svc.store.pending_tasks():
        svc.poller.start()
        svc.poller.wake()
    deadline = None if timeout is None else time.monotonic() + timeout
    codes = []
    for job in targets:
        if job.id in missing:
            job = svc.get(job.id)
            click.echo(f"{job.id[:8]}: waiting for the {job.provider} key {job.key_fingerprint}; set "
                       f"EASEL_{catalog.get_profile(job.provider).env_id}_API_KEY to that key.", err=True)
        elif not job.is_terminal:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            job = svc.wait(job.id, left)
        _report(_outcome(svc.store, job), as_json=as_json, job_id=job.id)
        codes.append(EXIT_PENDING if job.id in missing else _exit_code(job.status))
        if codes[-1] == EXIT_PENDING and job.id not in missing:
            click.echo(f"{job.id[:8]} is still {job.status}.", err=True)
    _shutdown(svc)
    # A failure outranks a job still running: a script should see the failure first.
    sys.exit(EXIT_FAILED if EXIT_FAILED in codes else EXIT_PENDING if EXIT_PENDING in codes else 0)


# --- easel usage ---------------------------------------------------------------------------------------
def _parse_date(value: str | None) -> dt.date | dt.datetime | None:
    """A usage day (2025-01-31, counted in the usage log's day, Beijing by default) or an ISO datetime (UTC
    unless it carries an offset): the same meaning easel.usage gives them, so the CLI and the page agree."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value) if len(value) <= 10 else dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-01-31 or 2025-01-31T12:00.") from None


@main.command()
@click.option("--since", metavar="DATE", help="From this day (inclusive).")
@click.option("--until", metavar="DATE", help="Up to this day (inclusive).")
@click.option("--provider")
@click.option("--csv", "as_csv", is_flag=True, help="One row per request, failures included.")
def usage(since, until, provider, as_csv):
    """Requests, images and cost from the usage log: the same numbers as the Usage page."""
    from . import usage as usage_mod
    from .store import Store

    store = Store()
    start, end = _parse_date(since), _parse_date(until)
    if as_csv:
        # export_csv takes `until` exclusive; a bare day given on the command line means "through that day".
        until_x = end + dt.timedelta(days=1) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else end
        click.echo(usage_mod.export_csv(store, since=start, until=until_x, provider=provider), nl=False)
        return
    day = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731 - the page filters by whole days
    filters = usage_mod.Filters(start=day(start), end=day(end), providers=(provider,) if provider else ())
    click.echo(usage_mod.report_text(store, filters))


# --- easel simulate ------------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--latency", type=float, default=0.0, show_default=True, help="Seconds each sync generation takes.")
@click.option("--task-duration", type=float, default=None, help="Seconds an async task takes to complete.")
@click.option("--fail", "fails", multiple=True, metavar="KIND[:RATE]",
              help="Inject a fault (e.g. http_429_daily, or http_500:0.2 for 20 % of requests); repeatable.")
@click.option("--seed-usage", type=int, default=0, metavar="N", help="First write N demo rows to the usage log.")
def simulate(host, port, latency, task_duration, fails, seed_usage):
    """Run the local provider simulator (every dialect) until Ctrl-C."""
    from .simulator.local import serve
    from .simulator.routes import prefix_for

    faults = [_fault(spec) for spec in fails]
    if seed_usage:
        from . import usage_seed
        from .store import Store

        count = usage_seed.seed_usage(Store(), seed_usage)
        click.echo(f"Wrote {count} demo rows to the usage log.", err=True)
    base = f"http://{host}:{port}"
    for profile in catalog.BUILTIN.values():
        click.echo(f"  {profile.id:<10} {base}{prefix_for(profile)}", err=True)
    click.echo(f"Point a provider at it with EASEL_<ID>_BASE_URL (e.g. EASEL_GCCAI_BASE_URL={base}"
               f"{prefix_for(catalog.BUILTIN['gccai'])}), or the app's Demo with EASEL_SIMULATOR_URL={base}.",
               err=True)
    settings = {} if task_duration is None else {"task_duration": task_duration}
    serve(host=host, port=port, latency=latency, faults=faults, **settings)


def _fault(spec: str) -> dict:
    kind, _, rate = spec.partition(":")
    rule: dict = {"kind": kind.strip()}
    if rate:
        try:
            rule["rate"] = float(rate)
        except ValueError:
            raise click.BadParameter(f"{spec!r}: RATE must be a number from 0 to 1.") from None
    return rule


if __name__ == "__main__":
    main()
