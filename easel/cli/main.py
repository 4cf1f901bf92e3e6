"""The `easel` command's group and the plumbing its commands share. The commands: generate, follow tasks, read the usage log, and run the simulator, from a shell.

Everything goes through the same JobService and store as the app, so a job started here shows on the Tasks
page and a task submitted by the app can be waited for here. No Python traceback reaches the user: every
EaselError becomes its user message on stderr and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from easel.providers import catalog
from easel.core import config, identity
from easel.core.errors import ConfigError, EaselError, UploadError, ValidationError
from easel.core.i18n import _
from easel.cli.click_texts import speak_in_terminal_language
from easel.cli.outcome_json import FAILED_STATUSES, dumps, job_outcome

__all__ = ["main", "DEMO_KEY", "EXIT_FAILED", "EXIT_USAGE", "EXIT_PENDING", "EXIT_PIPE", "job_service", "provider_client", "demo_key", "find_job",
           "collect_outcome", "print_outcome", "exit_code", "register_ambient_keys", "shutdown", "wait_submitted",
           "viewer_store", "enforce_person_budget"]

DEMO_KEY = "demo-test-key"     # the same key the app's Demo uses, so both share one concurrency slot per process

# Exit codes: 1 the request ran and failed; 2 the command could not start (usage, config, validation);
# 3 a wait ended with the job still unfinished; 141 the reader of stdout went away (`easel tasks list | head`),
# the status a shell reports for a Unix tool that SIGPIPE stopped (128 + 13), and nothing is printed.
EXIT_FAILED, EXIT_USAGE, EXIT_PENDING, EXIT_PIPE = 1, 2, 3, 141


class _Group(click.Group):
    """Turns every EaselError, and an interrupt, into a one-line message instead of a traceback, in the language
    EASEL_LANG or LANG names (flags, JSON and exit codes stay the same in every language)."""

    def main(self, *args, **kwargs):
        speak_in_terminal_language()
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()      # here, not at interpreter exit, so a closed pipe is caught below
        except BrokenPipeError:
            _quiet_closed_stdout()
            ctx.exit(EXIT_PIPE)
        except (ConfigError, ValidationError, UploadError) as e:
            click.echo(_("Error: {message}").format(message=e.user_message()), err=True)
            ctx.exit(EXIT_USAGE)
        except EaselError as e:
            click.echo(_("Error: {message}").format(message=e.user_message()), err=True)
            ctx.exit(EXIT_FAILED)
        except OSError as e:
            reason = f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}"
            click.echo(_("Error: {message}").format(message=reason), err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo(_("Stopped. Submitted jobs continue with `easel tasks wait`."), err=True)
            ctx.exit(130)


def _quiet_closed_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of the dead pipe raises nothing at exit (the
    recipe in Python's `signal` docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):      # stdout already closed or not a real file: nothing left to flush
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=_("Easel: gpt-image-2 across image-API providers."))
@click.option("--user", "user", envvar="EASEL_USER", metavar="EMAIL",
              help=_("Act as this named local user: their own jobs, images and usage, as they see them when signed "
                     "in to the app. Same as EASEL_USER. Without either: the single user, who sees everything."))
@click.pass_context
def main(ctx: click.Context, user: str | None) -> None:
    who = identity.person(user or "")
    if who.single:
        return
    ctx.with_resource(identity.use_person(who))
    # Threads this command starts (workers, the poller) do not inherit the pinned person; the environment
    # reaches them, and is put back when the command ends (in-process runners share os.environ).
    previous = os.environ.get("EASEL_USER")
    os.environ["EASEL_USER"] = who.id
    ctx.call_on_close(lambda: _restore_env("EASEL_USER", previous))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def viewer_store():
    """The store as the person this command acts as sees it: their own rows, the team's shared ones and the single
    user's; everything for the single user."""
    from easel.store import Store

    return Store().for_viewer(identity.current())


def enforce_person_budget(svc, estimates) -> None:
    """The named user's daily budget before anything is sent, as the app's pages check it: the refusal
    (person_daily_budget) ends the command with exit 2, no job logged, as a button the page would not let her
    press. `estimates`: (Money, runs on the Demo) per request. Nothing for the single user."""
    from easel.usage import person_budgets

    try:
        person_budgets.check_requests(svc.store, identity.current().id, estimates)
    except ValidationError:
        svc.close(wait=False)
        raise


# --- shared plumbing ---------------------------------------------------------------------------------
def job_service(*, recover: bool = True):
    from easel.jobs import job_service as jobs

    return jobs.service(recover=recover)


def provider_client(provider: str, *, base_url: str | None = None, simulate: str | None = None,
                    outlive: bool = False):
    """A client for a provider, with its key from secrets or the environment (the Demo uses its simulator).

    `simulate` is the Demo's mode, the sidebar's Simulate choice: "demo" or a provider the simulator plays with
    that provider's rules. `outlive`: the job must outlast this process (an async submit), so the Demo runs on
    the background simulator that later `easel tasks wait` processes reach too."""
    from easel.providers.client import ProviderClient

    profile = catalog.get_profile(provider)
    if simulate is not None and not profile.simulated:
        raise ValidationError(simulate_needs_demo(provider), code="simulate_needs_demo")
    if profile.simulated:
        from easel.providers import demo_modes

        mode = simulate or "demo"
        # Only a provider with tasks can leave one running; the Demo itself refuses --async in validation.
        sim_url = _simulator_url(outlive=outlive and catalog.BUILTIN[mode].supports_async)
        profile = demo_modes.demo_profile(mode, sim_url)
        return ProviderClient(profile, demo_key(), base_url=base_url or profile.base_url)
    key = config.resolve_key(provider)
    if not key.key:
        raise ConfigError(_("No API key for {provider}. Set EASEL_{env_id}_API_KEY, or add [providers.{id}] api_key "
                            "to .streamlit/secrets.toml.").format(provider=profile.label, env_id=profile.env_id,
                                                                  id=provider), code="missing_key")
    return ProviderClient(profile, key.key, base_url=config.resolve_base_url(provider, profile.base_url, base_url))


def simulate_needs_demo(provider: str) -> str:
    return _("--simulate is the Demo's choice: use it with --provider demo (got --provider {provider}).") \
        .format(provider=provider)


def demo_key() -> str:
    return config.resolve_key("demo").key or DEMO_KEY


def _simulator_url(*, outlive: bool) -> str:
    if not outlive:
        from easel.simulator import local

        return local.ensure_simulator()
    from easel.cli.background_simulator import IDLE_EXIT_S, shared_simulator

    url, started = shared_simulator()
    if started:
        click.echo(_("Started Easel's simulator in the background for the Demo's tasks ({url}); it stops after "
                     "{minutes} idle minutes.").format(url=url, minutes=f"{IDLE_EXIT_S / 60:.0f}"), err=True)
    return url


def find_job(store, ref: str):
    """The job `ref` names: an Easel job id, a provider task id (what `generate --async` printed as `task_id`),
    or an unambiguous prefix of a job id (`tasks list` shows 8 characters). An ambiguous prefix lists the jobs it
    matches, so the user can pick one."""
    # A job split into several provider tasks prints them comma-joined as its `task_id`; any one names the job.
    ref = ref.strip().split(",")[0].strip()
    if not ref:
        raise ValidationError(_("Give a job id, a prefix of one, or a provider task id."), code="unknown_job")
    matches = store.find_jobs(ref, limit=_CANDIDATES + 1)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(_("No job or provider task {ref} in {path}. `easel tasks list` shows the recent ones.")
                              .format(ref=repr(ref), path=store.location), code="unknown_job")
    shown = matches[:_CANDIDATES]
    lines = "\n".join(f"  {j.id[:12]}  {j.provider:<10} {j.status:<12} {_prompt_start(j.prompt, 40)}" for j in shown)
    if len(matches) > _CANDIDATES:
        head = _("{ref} matches {count}+ jobs (the newest shown):").format(ref=repr(ref), count=len(shown))
    else:
        head = _("{ref} matches {count} jobs:").format(ref=repr(ref), count=len(shown))
    raise ValidationError(f"{head}\n{lines}\n" + _("Give more of the id."), code="ambiguous_id")


_CANDIDATES = 10


def _prompt_start(prompt: str | None, width: int) -> str:
    text = " ".join((prompt or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


def collect_outcome(store, job, out_dir: Path | None = None) -> dict:
    images = store.list_images(job_id=job.id, include_deleted=True)
    # Without --out, each image is named where it lives: a file under the data directory, or s3://bucket/key.
    paths = [store.blobs.location(img.path) for img in images]
    if out_dir is not None and images:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for img in images:
            dest = out_dir / f"{job.id[:8]}-{img.idx}{Path(img.path).suffix}"
            _copy_with_settings(store.blobs, img.path, dest, img, job)
            paths.append(str(dest.resolve()))
    return job_outcome(job, images, paths=paths)


def _copy_with_settings(blobs, key: str, dest: Path, img, job) -> None:
    """The stored image to `dest`; a PNG with its prompt and settings as text chunks (Easel's own and A1111's
    `parameters`), like a download from the app, streamed in pieces (from a file or S3) without re-encoding."""
    from easel.media import png_info
    from easel.store.zip_export import copy_stamped

    with blobs.open(key) as src, open(dest, "wb") as out:
        copy_stamped(src.read(8), src, out, png_info.job_chunks(img, job))


def print_outcome(outcome: dict, *, as_json: bool, job_id: str) -> None:
    if as_json:
        click.echo(dumps(outcome))
    else:
        cost = outcome["cost"]
        money = cost["actual"] if cost["actual"] is not None else cost["estimated"]
        cost_text = "" if money is None else f" · {cost['currency']} {money:g}"
        latency = "" if outcome["latency_s"] is None else f" · {outcome['latency_s']:.1f} s"
        task = " · " + _("task {task_id}").format(task_id=outcome["task_id"]) if outcome["task_id"] else ""
        click.echo(f"{job_id[:8]} {outcome['provider']} {outcome['status']}{task}{cost_text}{latency}")
        for img in outcome["images"]:
            click.echo(f"  {img['path']} ({img['width']}x{img['height']})")
    if outcome["error"]:
        click.echo(_("Error: {message}").format(message=outcome["error"]["message"]), err=True)


def exit_code(status: str) -> int:
    if status in FAILED_STATUSES:
        return EXIT_FAILED
    if status == "completed":
        return 0
    return EXIT_PENDING


def register_ambient_keys(svc, jobs_) -> list:
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
        if job.simulated or profile.simulated:
            # A Demo job, perhaps playing another provider (--simulate): the Demo's key and its simulated profile,
            # at the simulator address the job was sent to.
            from easel.providers import demo_modes

            key = demo_key()
            sim_url = (job.base_url or "").removesuffix(catalog.prefix_for(job.provider))
            if job.provider in demo_modes.SIMULATABLE and sim_url:
                profile = demo_modes.demo_profile(job.provider, sim_url)
        else:
            key = config.resolve_key(job.provider).key
        if key and config.key_fingerprint(key) == job.key_fingerprint:
            svc.keyring.add(profile, key, job.base_url)
        else:
            missing.append(job)
    return missing

def shutdown(svc) -> None:
    """Let workers finish and stop the poller, so no download is cut off at exit holding a lease that would make
    the next process wait for it to expire. Stopped twice: a worker finishing a submit starts the poller."""
    svc.close(wait=True)
    svc.poller.stop()


def wait_submitted(svc, job_id: str):
    """Wait until the provider has given task ids and they are stored, so another process can resume them."""
    while True:
        job = svc.get(job_id)
        if job.is_terminal or job.status in ("pending", "waiting_for_key"):
            return job
        time.sleep(0.05)
