"""`easel simulate`: the local simulator for demos and tests, optionally over a seeded usage log."""

from __future__ import annotations



import click

from easel.cli.main import main
from easel.providers import catalog


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
    from easel.simulator.local import serve
    from easel.simulator.routes import prefix_for

    faults = [_fault(spec) for spec in fails]
    if seed_usage:
        from easel.usage import seed as usage_seed
        from easel.store import Store

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
