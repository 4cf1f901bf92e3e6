"""`easel usage`: the usage log as a text report or CSV, the same numbers as the Usage page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import click

from easel.core.i18n import _, ngettext, use_language

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
        raise click.BadParameter(_("{value} is not a date like 2025-01-31 or 2025-01-31T12:00.")
                                 .format(value=repr(value))) from None


@main.command(help=_("Requests, images and cost from the usage log: the same numbers as the Usage page."))
@click.option("--since", metavar="DATE", help=_("From this day (inclusive)."))
@click.option("--until", metavar="DATE", help=_("Up to this day (inclusive)."))
@click.option("--provider")
@click.option("--exclude-simulated/--include-simulated", "exclude_simulated", default=None,
              help=_("Leave out (or count) simulated Demo requests, which were never charged. Default: left out "
                     "once the log holds any real request, as on the Usage page. (--csv always lists every "
                     "request, with its `simulated` column.)"))
@click.option("--csv", "as_csv", is_flag=True, help=_("One row per request, failures included."))
@click.option("--json", "as_json", is_flag=True, help=_("The report as one JSON object."))
@click.option("--reconcile", is_flag=True,
              help=_("Billing reconciliation instead: per provider and day the estimate, reported and formula "
                     "totals, the rows whose reported cost differs from the formula, and failures that were billed."))
@click.option("--tolerance", type=click.FloatRange(min=0), default=1.0, show_default=True, metavar="PERCENT",
              help=_("With --reconcile: a reported cost differs when it is off by more than this percentage ..."))
@click.option("--tolerance-abs", type=click.FloatRange(min=0), default=0.0001, show_default=True, metavar="AMOUNT",
              help=_("... and by more than this amount in the provider's own unit."))
def usage(since, until, provider, exclude_simulated, as_csv, as_json, reconcile, tolerance, tolerance_abs):
    from easel import usage as usage_mod
    from easel.core import identity
    from easel.store import Store
    from easel.usage import people

    store = Store()
    # A named person (EASEL_USER / --user) reads her own requests, as the Usage page shows a signed-in member; the
    # single user reads the whole log. The report says whose it is ("owner": null for everyone's).
    who = identity.current()
    if not who.single:
        store = people.scope_for(store, who.id)
    start, end = _parse_date(since), _parse_date(until)
    if reconcile:
        if as_csv:
            raise click.UsageError(_("--reconcile prints a report (text or --json); --csv already has the three "
                                     "cost columns."))
        _reconcile(store, start, end, provider, exclude_simulated, tolerance, tolerance_abs, as_json)
        return
    if as_csv:
        # export_csv takes `until` exclusive; a bare day given on the command line means "through that day".
        until_x = end + dt.timedelta(days=1) if isinstance(end, dt.date) and not isinstance(end, dt.datetime) else end
        # Streamed a page of rows at a time: a 10M-row log never sits in memory.
        usage_mod.write_csv(store, click.get_text_stream("stdout"), since=start, until=until_x, provider=provider)
        return
    day = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731 - the page filters by whole days
    # The page's rule, from the same function: simulated amounts never pass for spend once real spend exists.
    include = (not usage_mod.has_real_usage(store)) if exclude_simulated is None else not exclude_simulated
    filters = usage_mod.Filters(start=day(start), end=day(end), providers=(provider,) if provider else (),
                                include_simulated=include).resolved(store)
    hidden = 0 if include else usage_mod.count_simulated(store, replace(filters, include_simulated=True))
    if as_json:
        # JSON is for scripts: its labels and texts stay English whatever EASEL_LANG or LANG says.
        with use_language("en"):
            report = {**_report_json(usage_mod.kpis(store, filters), include, hidden),
                      "owner": None if who.single else who.id}
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(usage_mod.report_text(store, filters))
    if hidden:
        click.echo("  " + ngettext("{count} simulated Demo request left out (never charged); --include-simulated "
                                   "counts it.",
                                   "{count} simulated Demo requests left out (never charged); --include-simulated "
                                   "counts them.", hidden).format(count=f"{hidden:,}"))
    elif include and usage_mod.count_simulated(store, filters):
        click.echo("  " + _("Includes simulated Demo requests (never charged); --exclude-simulated leaves them out."))


def _metric_json(m) -> dict:
    out = {"label": m.label, "value": m.value, "previous": m.previous, "kind": m.kind, "text": m.text()}
    if m.kind == "money":
        out["currency"] = m.currency
    if hasattr(m, "amounts"):             # a spend metric: the amounts per currency before conversion
        out.update(amounts=dict(m.amounts), simulated_amounts=dict(m.simulated_amounts))
    return out


def _report_json(k, include_simulated: bool, hidden_simulated: int) -> dict:
    """The page's KPIs as data: the metrics by key, the range, and what was done with simulated requests."""
    metrics = [k.today, k.week, k.month, k.spend, k.requests, k.images, k.cost_per_image, k.success_rate,
               k.median_latency]
    return {
        "range": {"start": k.range[0].isoformat(), "end": k.range[1].isoformat()},
        "previous_range": {"start": k.previous_range[0].isoformat(), "end": k.previous_range[1].isoformat()},
        "currency": k.currency,
        "usd_cny": k.rates.usd_cny,
        "include_simulated": include_simulated,
        "simulated_requests": k.simulated_requests if include_simulated else 0,
        "hidden_simulated_requests": hidden_simulated,
        "unpriced_requests": k.unpriced,
        "metrics": {m.key: _metric_json(m) for m in metrics},
    }


def _reconcile(store, start, end, provider, exclude_simulated, tolerance, tolerance_abs, as_json) -> None:
    from easel.usage import Filters
    from easel.usage.reconcile import Tolerance, reconcile

    from easel.usage import has_real_usage

    day = lambda v: v.date() if isinstance(v, dt.datetime) else v  # noqa: E731 - whole usage days
    # The page's rule, so both show the same rows: Demo rows are left out once real usage exists, unless asked.
    include = (not has_real_usage(store)) if exclude_simulated is None else not exclude_simulated
    f = Filters(start=day(start), end=day(end), providers=(provider,) if provider else (), include_simulated=include)
    rec = reconcile(store, f, Tolerance(relative=tolerance / 100, absolute=tolerance_abs), scan_limit=None)
    if as_json:
        click.echo(json.dumps({**rec.to_json(), "include_simulated": include}, ensure_ascii=False))
        return
    click.echo(rec.text())
