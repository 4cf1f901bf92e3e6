"""The Usage page's widgets: the filter bar, the simulated-usage notice, KPIs, the quota, budgets, top prompts
and the request table.

Every number comes from easel.usage (the CLI prints the same ones); this module only draws, and the charts come
from components/usage_charts.py. Prompts are data: they appear in dataframe cells, never in markdown.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import streamlit as st

from easel.usage import budgets
from easel import usage
from easel.usage.currency import CURRENCIES, Rates, save_rates
from babel import dates as babel_dates

from easel.core.i18n import BEIJING, N_, _, babel_locale, current_timezone, format_decimal, format_number, \
    format_percent, format_time, ngettext
from easel.core.models import Money
from easel.store import rollup_schema

from components import md_escape
from components.money_view import breakdown, metric_delta, metric_value, money, rates_text
from components.usage_charts import SPLIT_TITLES, quota_gauge

__all__ = ["filter_bar", "simulated_notice", "render_kpis", "render_range_note", "render_quota", "render_top_prompts",
           "render_requests", "table_frame", "render_settings", "render_budget_bars", "reset_line",
           "PAGE_SIZE", "SIM_TOGGLE", "EMPTY", "STATUS_LABELS", "KPI_LABELS"]


PAGE_SIZE = 50


EMPTY = "—"                  # a missing value in the request table


SIM_TOGGLE = N_("Simulated usage")


SIMULATED_BADGE = N_(":orange-badge[:material/science: simulated · not charged]")


# A request's status as the filter and the table show it; the codes stay the log's.
STATUS_LABELS = {"completed": N_("done"), "failed": N_("failed"), "interrupted": N_("interrupted"),
                 "timed_out": N_("timed out"), "cancelled": N_("cancelled"), "queued": N_("queued"),
                 "running": N_("running"), "submitting": N_("submitting"), "pending": N_("pending"),
                 "waiting_for_key": N_("waiting for key")}


# The KPI tiles' names and notes by the Metric's key (easel.usage.kpis writes English for the CLI).
KPI_LABELS = {"today": N_("Spend today"), "week": N_("Spend this week"), "month": N_("Spend this month"),
              "spend": N_("Spend in range"), "requests": N_("Requests"), "images": N_("Images"),
              "cost_per_image": N_("Average cost per image"), "success_rate": N_("Success rate"),
              "median_latency": N_("Median latency")}


_K = "easel.usage."          # widget keys; tests set them through AppTest


_KPIS = "easel-usage-kpis"   # the KPI block's container key (CSS class st-key-<key>)


# A metric's value is sized to its tile (container query units), so 'CNY 12,345.67' fits a quarter of a
# 1366 px screen instead of being cut off; tiles are tightened so the main chart still fits the first screen.
_KPI_CSS = f"""<style>
.st-key-{_KPIS} {{ container-type: inline-size; }}
.st-key-{_KPIS} [data-testid="stMetric"] > div {{ padding: 0.45rem 0.75rem; }}
.st-key-{_KPIS} [data-testid="stMetricValue"], .st-key-{_KPIS} [data-testid="stMetricValue"] p {{
  font-size: clamp(0.9rem, 2.5cqw, 1.75rem);
}}
</style>"""


def filter_bar(store, *, title: str | None = None) -> tuple[usage.Filters, str, str]:
    """One row: the title, the date range, the provider, the simulated-usage switch, and a Filters popover with
    the key fingerprint, status, display currency and chart split. One row, so the KPIs and the main chart fit
    the first screen.

    Simulated (Demo) usage is off by default once the log holds any real request: Demo amounts were never
    charged and must not read as spend. With only Demo usage in the log it is shown, labelled."""
    today = usage.usage_today(store)
    opts = usage.filter_options(store)
    head, c1, c2, c3, c4 = st.columns([1.4, 2.3, 2.1, 1.9, 1.4], vertical_alignment="center")
    head.title(title or _("Usage"), anchor=False)
    picked = c1.date_input(_("Date range"), value=(today - timedelta(days=usage.DEFAULT_RANGE_DAYS - 1), today),
                           max_value=today, key=_K + "range", label_visibility="collapsed")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    providers = c2.multiselect(_("Provider"), opts["providers"], key=_K + "providers",
                               placeholder=_("All providers"), label_visibility="collapsed")
    include_sim = c3.toggle(_(SIM_TOGGLE), value=not usage.has_real_usage(store), key=_K + "sim",
                            help=_("Requests on the Demo provider, on any provider in simulator mode, and seeded demo "
                                   "logs. Nothing in them was charged; their amounts are what a real provider would "
                                   "have billed. Off by default once the log holds real requests."))
    narrowed = sum(bool(st.session_state.get(_K + k)) for k in ("keys", "statuses"))
    filters_label = _("Filters ({count})").format(count=narrowed) if narrowed else _("Filters")
    with c4.popover(filters_label, icon=":material/tune:", width="stretch", key=_K + "filters"):
        keys = st.multiselect(_("Key fingerprint"), [k for k, *_unused in opts["keys"]], key=_K + "keys",
                              placeholder=_("All keys"), format_func=lambda k: _key_label(k, opts["keys"]))
        statuses = st.multiselect(_("Status"), usage.STATUSES, key=_K + "statuses", placeholder=_("All statuses"),
                                  format_func=lambda v: _(STATUS_LABELS[v]) if v in STATUS_LABELS else v)
        currency = st.selectbox(_("Totals in"), CURRENCIES, key=_K + "currency",
                                format_func=lambda c: _("credits") if c == "credits" else c,
                                index=CURRENCIES.index(store.get_setting("usage.currency", "CNY") or "CNY"))
        split = st.segmented_control(_("Split charts by"), usage.SPLITS, default="provider", key=_K + "split",
                                     format_func=lambda v: _(SPLIT_TITLES[v])) or "provider"
    f = usage.Filters(start or None, end or start or None, tuple(providers), tuple(keys), tuple(statuses), include_sim)
    return f, currency, split


def _key_label(k: str, keys) -> str:
    for kk, provider, simulated in keys:
        if kk == k:
            return _("{key} ({provider}, demo)").format(key=k, provider=provider) if simulated else f"{k} ({provider})"
    return k


def simulated_notice(store, filters: usage.Filters, total: int, simulated: int) -> int:
    """What is simulated in the figures below, or how many simulated requests are hidden from them (returned)."""
    if filters.include_simulated and simulated:
        share = simulated / total if total else 0
        share_text = format_percent(share) if 0.01 <= share <= 0.99 else \
            ("<" + format_percent(0.01) if share < 0.01 else ">" + format_percent(0.99))
        if simulated == total:
            st.warning(ngettext(
                "**Simulated usage only: nothing here was charged.** The {total} request in this range ran on "
                "Easel's simulator (the Demo provider or a seeded demo log); the amounts are what a real provider "
                "would have billed.",
                "**Simulated usage only: nothing here was charged.** All {total} requests in this range ran on "
                "Easel's simulator (the Demo provider or a seeded demo log); the amounts are what a real provider "
                "would have billed.", total).format(total=format_number(total)), icon=":material/science:")
        else:
            st.info(ngettext(
                "{simulated} of these {total} requests ({share}) is simulated Demo usage, not charged, and marked "
                "Demo in the table. Switch off “{toggle}” to see real spend only.",
                "{simulated} of these {total} requests ({share}) are simulated Demo usage, not charged, and marked "
                "Demo in the table. Switch off “{toggle}” to see real spend only.", simulated).format(
                simulated=format_number(simulated), total=format_number(total), share=share_text,
                toggle=_(SIM_TOGGLE)), icon=":material/science:")
    elif not filters.include_simulated:
        hidden = usage.count_simulated(store, replace(filters, include_simulated=True))
        if hidden:
            st.caption(":material/science: " + ngettext(
                "{count} simulated Demo request in this range is hidden (never charged). Switch on “{toggle}” to "
                "include it.",
                "{count} simulated Demo requests in this range are hidden (never charged). Switch on “{toggle}” to "
                "include them.", hidden).format(count=format_number(hidden), toggle=_(SIM_TOGGLE)))
        return hidden
    return 0


def _spend_caption(m: usage.SpendMetric) -> str:
    """Under a spend KPI: the per-currency amounts, and how much of it is simulated (never charged)."""
    text = md_escape(breakdown(m.amounts))
    if m.all_simulated:
        return f"{_(SIMULATED_BADGE)} {text}"
    if m.simulated:       # first: the line may be cut at the tile's edge (the tooltip has it all)
        part = _("incl. {amount} simulated").format(amount=md_escape(money(m.simulated, m.currency or "")))
        return f":orange[{part}] · {text}"
    return text


def _kpi_note(m) -> str:
    """'vs the 30 days before' and its kin, by the metric's key (the period notes are fixed phrases)."""
    if m.key == "today":
        return _("vs yesterday")
    if m.key == "week":
        return _("vs the same days last week")
    if m.key == "month":
        return _("vs the same days last month")
    days = m.note.split()[2] if m.note.startswith("vs the ") and len(m.note.split()) > 2 else ""
    if days.isdigit():
        n = int(days)
        return ngettext("vs the {n} day before", "vs the {n} days before", n).format(n=format_number(n))
    return m.note


def render_kpis(k: usage.Kpis) -> None:
    """Eight KPIs in two rows of four, their values sized to the tile so none is cut off."""
    st.html(_KPI_CSS)
    with st.container(key=_KPIS, gap="small"):
        for row in (k.row_spend, k.row_range):
            for col, m in zip(st.columns(len(row), gap="small"), row):
                spend = isinstance(m, usage.SpendMetric)
                help_text = _kpi_note(m)
                if spend:
                    help_text += " · " + _("per currency: {amounts}").format(amounts=breakdown(m.amounts))
                if spend and m.simulated:
                    help_text += " · " + _("simulated (not charged): {amount}").format(
                        amount=money(m.simulated, m.currency or ""))
                label = _(KPI_LABELS[m.key]) if m.key in KPI_LABELS else m.label
                col.metric(label, metric_value(m), metric_delta(m), height="stretch",
                           delta_color="normal" if m.higher_is_better else "inverse", help=help_text, border=True)
                if spend:
                    col.caption(_spend_caption(m), wrap=False)


def _day(d) -> str:
    """A usage day (a calendar date, no time zone to apply): 'Dec 5, 2026' / '2026年12月5日' / '2026. 12. 5.'."""
    return babel_dates.format_date(d, format="medium", locale=babel_locale())


def render_range_note(k: usage.Kpis) -> None:
    text = _("Range {start} – {end}, compared with {prev_start} – {prev_end}. Totals converted to {currency} at "
             "{rates}.").format(start=_day(k.range[0]), end=_day(k.range[1]),
                                prev_start=_day(k.previous_range[0]), prev_end=_day(k.previous_range[1]),
                                currency=_("credits") if k.currency == "credits" else k.currency,
                                rates=rates_text(k.rates))
    if k.unpriced:
        text += " " + ngettext("{count} request is counted at its estimate.",
                               "{count} requests are counted at their estimate.", k.unpriced).format(
            count=format_number(k.unpriced))
    st.caption(text)


def reset_line(resets_at) -> str:
    """When QCode's day resets, in the reader's time zone with Beijing's beside it (the doc's own clock)."""
    return _("Resets at {local} (your time) · {beijing} Beijing time").format(
        local=format_time(resets_at, tz=current_timezone()), beijing=format_time(resets_at, tz=BEIJING))


def quota_text(q) -> str:
    used = ngettext("{used} / {cap} image today", "{used} / {cap} images today", q.cap).format(
        used=format_number(q.used), cap=format_number(q.cap))
    left = q.resets_in()
    hours, rest = divmod(max(0, int(left.total_seconds())), 3600)
    return "\n".join([
        used + " · " + _("{count} left").format(count=format_number(q.remaining)),
        _("resets in {hours} h {minutes} min").format(hours=hours, minutes=f"{rest // 60:02d}")])


def render_quota(statuses) -> None:
    if not statuses:
        st.caption(_("No QCode key used in the last 7 days."))
        return
    for col, q in zip(st.columns(min(4, len(statuses))), statuses[:4]):
        col.altair_chart(quota_gauge(q))
        col.text(f"{q.key_fingerprint}{' (Demo)' if q.simulated else ''}\n{quota_text(q)}")


def render_top_prompts(frame) -> None:
    st.dataframe(frame, hide_index=True, key=_K + "top_prompts", column_config={
        "prompt": st.column_config.TextColumn(_("Prompt"), width="large"),
        "requests": st.column_config.NumberColumn(_("Requests"), format="localized"),
        "images": st.column_config.NumberColumn(_("Images"), format="localized"),
        "failed": st.column_config.NumberColumn(_("Failed"), format="localized"),
        "share": st.column_config.ProgressColumn(_("Share of requests"), min_value=0.0, max_value=1.0,
                                                 format="percent")})


def _request_cursors(filters: usage.Filters) -> list:
    """The keyset cursors of the pages walked so far (page 1's is None), reset when the filters change."""
    state = st.session_state.get(_K + "cursors")
    if not state or state[0] != filters:
        state = (filters, [None])
        st.session_state[_K + "cursors"] = state
    return state[1]


def _turn_requests(cursors: list, to) -> None:
    if to is None:
        if len(cursors) > 1:
            cursors.pop()
    else:
        cursors.append(to)


def render_requests(store, filters: usage.Filters, total: int, view=None) -> None:
    """The request log, a page at a time. With a team `view` (components/usage_people.View) that shows several
    people, each row names its person, and another person's private prompt, image and comparison are not shown."""
    from components import usage_people
    # Keyset paging (Newer / Older): a page is read by index wherever it lies in a log of millions.
    cursors = _request_cursors(filters)
    pages = max(1, -(-total // PAGE_SIZE))
    frame = usage.requests_page(store, filters, before=cursors[-1], page_size=PAGE_SIZE)
    older = frame.attrs.get("next_before")
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="easel-usage-request-nav"):
        st.button(_("‹ Newer"), key=_K + "newer", on_click=_turn_requests, args=(cursors, None),
                  disabled=len(cursors) <= 1)
        st.text(ngettext("Page {page} of {pages} · {total} request", "Page {page} of {pages} · {total} requests",
                         total).format(page=format_number(len(cursors)), pages=format_number(pages),
                                       total=format_number(total)), width="content")
        st.button(_("Older ›"), key=_K + "older", on_click=_turn_requests, args=(cursors, older), disabled=older is None)
    private = usage_people.private_rows(frame, view) if view is not None else [False] * len(frame)
    thumbs = usage.thumbnails(store, [i for i, p in zip(frame["id"], private) if not p])
    frame.insert(0, "thumbnail", [thumbs.get(i) for i in frame["id"]])
    if view is not None:
        frame = usage_people.hide_private(frame, view)
    person = ("owner",) if view is not None and view.shows_people else ()
    frame = frame.drop(columns=[c for c in ("owner", "shared") if c not in person])      # only where it says who
    st.dataframe(table_frame(frame), hide_index=True, key=_K + "requests_table", column_order=(
        "thumbnail", "created_at", *person, "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n",
        "status", "error_code", "latency_s", "cost", "key_fingerprint", "simulated", "comparison_id", "prompt"),
        column_config={
        "thumbnail": st.column_config.ImageColumn(_("Image"), width="small"),
        "created_at": st.column_config.DatetimeColumn(_("Created (UTC)"), format="YYYY-MM-DD HH:mm:ss"),
        "owner": st.column_config.TextColumn(_("Person")),
        "provider": st.column_config.TextColumn(_("Provider")),
        "model": st.column_config.TextColumn(_("Model")),
        "endpoint": st.column_config.TextColumn(_("Endpoint")),
        "mode": st.column_config.TextColumn(_("Mode")),
        "size": st.column_config.TextColumn(_("Size")),
        "resolution": st.column_config.TextColumn(_("Resolution")),
        "quality": st.column_config.TextColumn(_("Quality")),
        "n": st.column_config.NumberColumn("n"),
        "status": st.column_config.TextColumn(_("Status")),
        "error_code": st.column_config.TextColumn(_("Error code")),
        "latency_s": st.column_config.TextColumn(_("Latency")),
        "cost": st.column_config.TextColumn(_("Cost"), help=_("Actual, or ≈ the estimate while unreported")),
        "key_fingerprint": st.column_config.TextColumn(_("Key")),
        "simulated": st.column_config.CheckboxColumn("Demo"),
        "comparison_id": st.column_config.TextColumn(_("Comparison"),
                                                     help=_("The Compare page's run this job belongs to")),
        "prompt": st.column_config.TextColumn(_("Prompt"), width="large")})
    csv_download(store, filters, total)


# Streamlit serves a download from memory (its media store holds the whole file), so a long log goes as parts
# of this many rows (~90 MB each): the app's memory stays flat however long the log is.
CSV_PART_ROWS = 500_000


def csv_download(store, filters: usage.Filters, total: int) -> None:
    """Download CSV: the filtered log streamed to a temporary file on click; several parts past CSV_PART_ROWS."""
    name = f"easel-usage-{filters.start}-{filters.end}"
    if total <= CSV_PART_ROWS:
        st.download_button(_("Download CSV"), data=lambda: usage.csv_to_temp_file(store, filters=filters),
                           on_click="ignore", file_name=f"{name}.csv", mime="text/csv", icon=":material/download:",
                           key=_K + "csv")
        return
    parts = -(-total // CSV_PART_ROWS)
    with st.popover(_("Download CSV"), icon=":material/download:", key=_K + "csv.parts"):
        st.caption(_("{total} requests in {parts} files of {rows} rows, oldest first, each with the header "
                     "row.").format(total=format_number(total), parts=format_number(parts),
                                    rows=format_number(CSV_PART_ROWS)))
        for i in range(parts):
            last = i == parts - 1            # the last part takes every later row, so none added since is lost
            st.download_button(_("Part {part} of {parts} · rows {first}–{last}").format(
                                   part=i + 1, parts=parts, first=format_number(i * CSV_PART_ROWS + 1),
                                   last=format_number(total if last else (i + 1) * CSV_PART_ROWS)),
                               data=lambda i=i, last=last: usage.csv_to_temp_file(
                                   store, filters=filters, offset=i * CSV_PART_ROWS,
                                   limit=None if last else CSV_PART_ROWS),
                               on_click="ignore", file_name=f"{name}-part{i + 1}.csv", mime="text/csv",
                               key=f"{_K}csv.part{i + 1}", icon=":material/download:")


def table_frame(frame):
    """The request page as shown: a missing value is an em dash, never the word None (or nan); latency reads
    '12.3 s'. A request without an image has an empty image cell (a null there would read None too). Cost and
    status read in the session's language; the column keys stay the log's (the CSV keeps them)."""
    out = frame.copy()
    out["thumbnail"] = [v if isinstance(v, str) and v else "" for v in out["thumbnail"]]
    out["latency_s"] = [EMPTY if v is None or v != v else _("{seconds} s").format(seconds=format_decimal(v, 1))
                        for v in out["latency_s"]]
    if {"cost_actual", "cost_estimated", "currency", "status"} <= set(out.columns):
        out["cost"] = [_cost_text(a, e, c, s) for a, e, c, s in
                       zip(out["cost_actual"], out["cost_estimated"], out["currency"], out["status"])]
    if "status" in out:
        out["status"] = [_(STATUS_LABELS[v]) if v in STATUS_LABELS else v for v in out["status"]]
    for col in ("model", "endpoint", "mode", "size", "resolution", "quality", "status", "error_code", "cost",
                "key_fingerprint", "currency", "comparison_id", "prompt"):
        if col in out:
            out[col] = [EMPTY if v is None or v != v or v == "" else v for v in out[col].astype(object)]
    return out


def _missing(v) -> bool:
    return v is None or v != v


def _cost_text(actual, estimated, currency, status) -> str:
    """What a request cost: the reported amount, 0 for a failure (never billed), else ≈ the estimate."""
    unit = currency if isinstance(currency, str) else ""
    if not _missing(actual):
        return money(float(actual), unit)
    if status in rollup_schema.ZERO_COST_STATUSES:
        return money(0.0, unit)
    if not _missing(estimated):
        return "≈ " + money(float(estimated), unit)
    return "?"


def _providers(store) -> list[str]:
    return sorted(set(usage.filter_options(store)["providers"]) | {"icodeeasy", "qcode", "gccai", "openai-hk",
                                                                      "openai"})


def render_settings(store, rates: Rates, currency: str) -> None:
    """Conversion rate and per-provider daily budgets, saved to the settings table on submit."""
    providers = _providers(store)
    with st.form(_K + "settings", border=False):
        usd_cny = st.number_input(_("1 USD = … CNY"), min_value=0.01, value=float(rates.usd_cny), step=0.01,
                                  format="%.4f", key=_K + "usd_cny",
                                  help=_("openai-hk's credits: 1 credit = 1/71,000 USD (its formula)."))
        rows = {}
        for p in providers:
            current = budgets.get_budget(store, p)
            c1, c2 = st.columns([3, 1])
            amount = c1.number_input(_("Daily budget: {provider} (0 = none)").format(provider=p), min_value=0.0,
                                     key=_K + f"budget.{p}", value=float(current.amount) if current else 0.0)
            cur = c2.selectbox(_("Unit"), CURRENCIES, key=_K + f"budget_cur.{p}",
                               format_func=lambda c: _("credits") if c == "credits" else c,
                               index=CURRENCIES.index(current.currency if current else currency))
            rows[p] = Money(amount, cur)
        if st.form_submit_button(_("Save")):
            save_rates(store, Rates(usd_cny))
            store.set_setting("usage.currency", currency)
            for p, m in rows.items():
                budgets.set_budget(store, p, m if m.amount else None)
            st.toast(_("Saved"))


def render_budget_bars(store, rates: Rates) -> None:
    """Today's spend against each budget that is set (real requests only, as budget_warning counts)."""
    shown = 0
    for p in _providers(store):
        s = budgets.budget_status(store, p, rates=rates)
        if s is not None:
            st.progress(min(1.0, max(0.0, s.fraction)), text=md_escape(_budget_text(s)))
            shown += 1
    if not shown:
        st.caption(_("No daily budget set."))


def _budget_text(s: budgets.BudgetStatus) -> str:
    text = _("{provider}: {spent} of {budget} today").format(
        provider=s.provider, spent=money(s.spent, s.budget.currency),
        budget=money(s.budget.amount or 0, s.budget.currency))
    if s.converted:
        text += " " + _("(converted at {rates})").format(rates=rates_text(s.rates))
    return text
