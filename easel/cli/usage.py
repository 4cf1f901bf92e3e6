"""`easel usage`: the usage log as a text report or CSV, the same numbers as the Usage page."""

from __future__ import annotations

import datetime as dt

import click

from easel.cli.main import main


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
    from easel import usage as usage_mod
    from easel.store import Store

    store = Store()
    start, end = _parse_date(since), _parse_date(until)
    if as_csv:
        # export_csv takes `until` exclusive; a bare day given on the command line means "through that day".
        until_x = end + dt.timedelta(days=1) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else end
        # Streamed a page of rows at a time: a 10M-row log never sits in memory.
        usage_mod.write_csv(store, click.get_text_stream("stdout"), since=start, until=until_x, provider=provider)
        return
    day = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731 - the page filters by whole days
    filters = usage_mod.Filters(start=day(start), end=day(end), providers=(provider,) if provider else ())
    click.echo(usage_mod.report_text(store, filters))
