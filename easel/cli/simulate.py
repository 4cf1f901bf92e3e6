"""`easel simulate`: the local simulator for demos and tests, optionally over a seeded usage log."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from easel.core.i18n import _

from easel.cli.main import main
from easel.providers import catalog


# --- easel simulate ------------------------------------------------------------------------------------
@main.command(help=_("Run the local provider simulator (every dialect) until Ctrl-C."))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--latency", type=float, default=0.0, show_default=True, help=_("Seconds each sync generation takes."))
@click.option("--task-duration", type=float, default=None, help=_("Seconds an async task takes to complete."))
@click.option("--fail", "fails", multiple=True, metavar="KIND[:RATE]",
              help=_("Inject a fault (e.g. http_429_daily, or http_500:0.2 for 20 % of requests); repeatable."))
@click.option("--seed-usage", type=int, default=0, metavar="N", help=_("First write N demo rows to the usage log."))
@click.option("--idle-exit", type=float, default=None, metavar="S",
              help=_("Stop after S seconds without a request (the Demo's background simulator uses this)."))
@click.option("--state-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=_('Once serving, write {{"url", "pid"}} here as JSON (port 0 picks a free port).').format())
def simulate(host, port, latency, task_duration, fails, seed_usage, idle_exit, state_file):
    from easel.simulator.local import serve
    from easel.simulator.routes import prefix_for

    faults = [_fault(spec) for spec in fails]
    settings = {} if task_duration is None else {"task_duration": task_duration}
    if idle_exit is not None or state_file is not None:
        _serve_in_background(host, port, latency, faults, settings, idle_exit, state_file)
        return
    if seed_usage:
        from easel.usage import seed as usage_seed
        from easel.store import Store

        count = usage_seed.seed_usage(Store(), seed_usage)
        click.echo(_("Wrote {count} demo rows to the usage log.").format(count=count), err=True)
    base = f"http://{host}:{port}"
    for profile in catalog.BUILTIN.values():
        click.echo(f"  {profile.id:<10} {base}{prefix_for(profile)}", err=True)
    click.echo(_("Point a provider at it with EASEL_<ID>_BASE_URL (e.g. EASEL_GCCAI_BASE_URL={gccai_url}), or the "
                 "app's Demo with EASEL_SIMULATOR_URL={base}.").format(
                     gccai_url=base + prefix_for(catalog.BUILTIN["gccai"]), base=base), err=True)
    serve(host=host, port=port, latency=latency, faults=faults, **settings)


def _serve_in_background(host, port, latency, faults, settings, idle_exit, state_file) -> None:
    """Serve on a thread, announce the address in `state_file`, and stop after `idle_exit` quiet seconds."""
    from easel.simulator.server import SimulatorServer
    from easel.simulator.state import SimConfig

    server = SimulatorServer(SimConfig(latency=float(latency), **settings), host=host, port=port)
    server.set_faults(faults)
    url = server.start()
    if state_file is not None:
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
        tmp.replace(state_file)          # whole or absent: a reader never sees half a file
    seen, quiet_since = -1, time.monotonic()
    try:
        while True:
            time.sleep(1.0 if idle_exit is None else min(5.0, max(0.05, idle_exit / 4)))
            count = server.state.stats()["requests"]
            if count != seen:
                seen, quiet_since = count, time.monotonic()
            elif idle_exit is not None and time.monotonic() - quiet_since >= idle_exit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if state_file is not None and _owner(state_file) == os.getpid():
            state_file.unlink(missing_ok=True)


def _owner(state_file: Path) -> int | None:
    try:
        return json.loads(state_file.read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError):
        return None


def _fault(spec: str) -> dict:
    kind, _sep, rate = spec.partition(":")
    rule: dict = {"kind": kind.strip()}
    if rate:
        try:
            rule["rate"] = float(rate)
        except ValueError:
            raise click.BadParameter(_("{spec}: RATE must be a number from 0 to 1.").format(spec=repr(spec))) from None
    return rule


if __name__ == "__main__":
    main()
