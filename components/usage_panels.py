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
from easel.usage.currency import CURRENCIES, Rates, format_amount, save_rates
from easel.core.models import Money

from components import md_escape
from components.usage_charts import quota_gauge

__all__ = ["filter_bar", "simulated_notice", "render_kpis", "render_range_note", "render_quota", "render_top_prompts",
           "render_requests", "table_frame", "render_settings", "render_budget_bars", "PAGE_SIZE", "SIM_TOGGLE", "EMPTY"]


PAGE_SIZE = 50


EMPTY = "—"                  # a missing value in the request table


SIM_TOGGLE = "Simulated usage"


SIMULATED_BADGE = ":orange-badge[:material/science: simulated · not charged]"


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


def filter_bar(store, *, title: str = "Usage") -> tuple[usage.Filters, str, str]:
    """One row: the title, the date range, the provider, the simulated-usage switch, and a Filters popover with
    the key fingerprint, status, display currency and chart split. One row, so the KPIs and the main chart fit
    the first screen.

    Simulated (Demo) usage is off by default once the log holds any real request: Demo amounts were never
    charged and must not read as spend. With only Demo usage in the log it is shown, labelled."""
    today = usage.usage_today(store)
    opts = usage.filter_options(store)
    head, c1, c2, c3, c4 = st.columns([1.4, 2.3, 2.1, 1.9, 1.4], vertical_alignment="center")
    head.title(title, anchor=False)
    picked = c1.date_input("Date range", value=(today - timedelta(days=usage.DEFAULT_RANGE_DAYS - 1), today),
                           max_value=today, key=_K + "range", label_visibility="collapsed")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, (tuple, list)) else (picked, picked)
    providers = c2.multiselect("Provider", opts["providers"], key=_K + "providers", placeholder="All providers",
                               label_visibility="collapsed")
    include_sim = c3.toggle(SIM_TOGGLE, value=not usage.has_real_usage(store), key=_K + "sim",
                            help="Requests on the Demo provider, on any provider in simulator mode, and seeded demo "
                                 "logs. Nothing in them was charged; their amounts are what a real provider would "
                                 "have billed. Off by default once the log holds real requests.")
    narrowed = sum(bool(st.session_state.get(_K + k)) for k in ("keys", "statuses"))
    with c4.popover(f"Filters ({narrowed})" if narrowed else "Filters", icon=":material/tune:", width="stretch"):
        keys = st.multiselect("Key fingerprint", [k for k, *_ in opts["keys"]], key=_K + "keys",
                              placeholder="All keys",
                              format_func=lambda k: next((f"{k} ({p}{', demo' if s else ''})"
                                                          for kk, p, s in opts["keys"] if kk == k), k))
        statuses = st.multiselect("Status", usage.STATUSES, key=_K + "statuses", placeholder="All statuses")
        currency = st.selectbox("Totals in", CURRENCIES, key=_K + "currency",
                                index=CURRENCIES.index(store.get_setting("usage.currency", "CNY") or "CNY"))
        split = st.segmented_control("Split charts by", usage.SPLITS, default="provider", key=_K + "split") \
            or "provider"
    f = usage.Filters(start or None, end or start or None, tuple(providers), tuple(keys), tuple(statuses), include_sim)
    return f, currency, split


def simulated_notice(store, filters: usage.Filters, total: int, simulated: int) -> int:
    """What is simulated in the figures below, or how many simulated requests are hidden from them (returned)."""
    if filters.include_simulated and simulated:
        share = simulated / total if total else 0
        share_text = f"{share:.0%}" if 0.01 <= share <= 0.99 else ("<1%" if share < 0.01 else ">99%")
        if simulated == total:
            st.warning(f"**Simulated usage only: nothing here was charged.** All {total:,} requests in this range "
                       "ran on Easel's simulator (the Demo provider or a seeded demo log); the amounts are what a "
                       "real provider would have billed.", icon=":material/science:")
        else:
            st.info(f"{simulated:,} of these {total:,} requests ({share_text}) are simulated Demo usage, not charged, "
                    f"and marked Demo in the table. Switch off “{SIM_TOGGLE}” to see real spend only.",
                    icon=":material/science:")
    elif not filters.include_simulated:
        hidden = usage.count_simulated(store, replace(filters, include_simulated=True))
        if hidden:
            many = hidden != 1
            st.caption(f":material/science: {hidden:,} simulated Demo request{'s' if many else ''} in this range "
                       f"{'are' if many else 'is'} hidden (never charged). Switch on “{SIM_TOGGLE}” to include them.")
        return hidden
    return 0


def _spend_caption(m: usage.SpendMetric) -> str:
    """Under a spend KPI: the per-currency amounts, and how much of it is simulated (never charged)."""
    text = md_escape(m.breakdown)
    if m.all_simulated:
        return f"{SIMULATED_BADGE} {text}"
    if m.simulated:       # first: the line may be cut at the tile's edge (the tooltip has it all)
        return f":orange[incl. {md_escape(format_amount(m.simulated, m.currency or ''))} simulated] · {text}"
    return text


def render_kpis(k: usage.Kpis) -> None:
    """Eight KPIs in two rows of four, their values sized to the tile so none is cut off."""
    st.html(_KPI_CSS)
    with st.container(key=_KPIS, gap="small"):
        for row in (k.row_spend, k.row_range):
            for col, m in zip(st.columns(len(row), gap="small"), row):
                spend = isinstance(m, usage.SpendMetric)
                help_text = m.note + (f" · per currency: {m.breakdown}" if spend else "")
                if spend and m.simulated:
                    help_text += f" · simulated (not charged): {format_amount(m.simulated, m.currency or '')}"
                col.metric(m.label, m.text(), m.delta_text(), height="stretch",
                           delta_color="normal" if m.higher_is_better else "inverse", help=help_text, border=True)
                if spend:
                    col.caption(_spend_caption(m), wrap=False)


def render_range_note(k: usage.Kpis) -> None:
    unpriced = f" {k.unpriced:,} request(s) are counted at their estimate." if k.unpriced else ""
    st.caption(f"Range {k.range[0]} – {k.range[1]}, compared with {k.previous_range[0]} – {k.previous_range[1]}. "
               f"Totals converted to {k.currency} at {k.rates.describe()}.{unpriced}")


def render_quota(statuses) -> None:
    if not statuses:
        st.caption("No QCode key used in the last 7 days.")
        return
    for col, q in zip(st.columns(min(4, len(statuses))), statuses[:4]):
        col.altair_chart(quota_gauge(q))
        col.text(f"{q.key_fingerprint}{' (Demo)' if q.simulated else ''}\n{q.label()}")


def render_top_prompts(frame) -> None:
    st.dataframe(frame, hide_index=True, column_config={
        "prompt": st.column_config.TextColumn("Prompt", width="large"),
        "requests": st.column_config.NumberColumn("Requests", format="%d"),
        "images": st.column_config.NumberColumn("Images", format="%d"),
        "failed": st.column_config.NumberColumn("Failed", format="%d"),
        "share": st.column_config.ProgressColumn("Share of requests", min_value=0.0, max_value=1.0, format="percent")})


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


def render_requests(store, filters: usage.Filters, total: int) -> None:
    # Keyset paging (Newer / Older): a page is read by index wherever it lies in a log of millions.
    cursors = _request_cursors(filters)
    pages = max(1, -(-total // PAGE_SIZE))
    frame = usage.requests_page(store, filters, before=cursors[-1], page_size=PAGE_SIZE)
    older = frame.attrs.get("next_before")
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="easel-usage-request-nav"):
        st.button("‹ Newer", key=_K + "newer", on_click=_turn_requests, args=(cursors, None),
                  disabled=len(cursors) <= 1)
        st.text(f"Page {len(cursors):,} of {pages:,} · {total:,} requests", width="content")
        st.button("Older ›", key=_K + "older", on_click=_turn_requests, args=(cursors, older), disabled=older is None)
    thumbs = usage.thumbnails(store, list(frame["id"]))
    frame.insert(0, "thumbnail", [thumbs.get(i) for i in frame["id"]])
    st.dataframe(table_frame(frame), hide_index=True, column_order=(
        "thumbnail", "created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n",
        "status", "error_code", "latency_s", "cost", "key_fingerprint", "simulated", "comparison_id", "prompt"),
        column_config={
        "thumbnail": st.column_config.ImageColumn("Image", width="small"),
        "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "latency_s": st.column_config.TextColumn("Latency"),
        "cost": st.column_config.TextColumn("Cost", help="Actual, or ≈ the estimate while unreported"),
        "key_fingerprint": st.column_config.TextColumn("Key"),
        "simulated": st.column_config.CheckboxColumn("Demo"),
        "comparison_id": st.column_config.TextColumn("Comparison", help="The Compare page's run this job belongs to"),
        "prompt": st.column_config.TextColumn("Prompt", width="large")})
    csv_download(store, filters, total)


# Streamlit serves a download from memory (its media store holds the whole file), so a long log goes as parts
# of this many rows (~90 MB each): the app's memory stays flat however long the log is.
CSV_PART_ROWS = 500_000


def csv_download(store, filters: usage.Filters, total: int) -> None:
    """Download CSV: the filtered log streamed to a temporary file on click; several parts past CSV_PART_ROWS."""
    name = f"easel-usage-{filters.start}-{filters.end}"
    if total <= CSV_PART_ROWS:
        st.download_button("Download CSV", data=lambda: usage.csv_to_temp_file(store, filters=filters),
                           on_click="ignore", file_name=f"{name}.csv", mime="text/csv", icon=":material/download:")
        return
    parts = -(-total // CSV_PART_ROWS)
    with st.popover("Download CSV", icon=":material/download:"):
        st.caption(f"{total:,} requests in {parts} files of {CSV_PART_ROWS:,} rows, oldest first, each with the "
                   "header row.")
        for i in range(parts):
            last = i == parts - 1            # the last part takes every later row, so none added since is lost
            st.download_button(f"Part {i + 1} of {parts} · rows {i * CSV_PART_ROWS + 1:,}–"
                               f"{total if last else (i + 1) * CSV_PART_ROWS:,}",
                               data=lambda i=i, last=last: usage.csv_to_temp_file(
                                   store, filters=filters, offset=i * CSV_PART_ROWS,
                                   limit=None if last else CSV_PART_ROWS),
                               on_click="ignore", file_name=f"{name}-part{i + 1}.csv", mime="text/csv",
                               key=f"{_K}csv.part{i + 1}", icon=":material/download:")


def table_frame(frame):
    """The request page as shown: a missing value is an em dash, never the word None (or nan); latency reads
    '12.3 s'. A request without an image has an empty image cell (a null there would read None too)."""
    out = frame.copy()
    out["thumbnail"] = [v if isinstance(v, str) and v else "" for v in out["thumbnail"]]
    out["latency_s"] = [EMPTY if v is None or v != v else f"{v:.1f} s" for v in out["latency_s"]]
    for col in ("model", "endpoint", "mode", "size", "resolution", "quality", "status", "error_code", "cost",
                "key_fingerprint", "currency", "comparison_id", "prompt"):
        if col in out:
            out[col] = [EMPTY if v is None or v != v or v == "" else v for v in out[col].astype(object)]
    return out


def _providers(store) -> list[str]:
    return sorted(set(usage.filter_options(store)["providers"]) | {"icodeeasy", "qcode", "gccai", "openai-hk",
                                                                      "openai"})


def render_settings(store, rates: Rates, currency: str) -> None:
    """Conversion rate and per-provider daily budgets, saved to the settings table on submit."""
    providers = _providers(store)
    with st.form(_K + "settings", border=False):
        usd_cny = st.number_input("1 USD = … CNY", min_value=0.01, value=float(rates.usd_cny), step=0.01,
                                  format="%.4f", help="openai-hk's credits: 1 credit = 1/71,000 USD (its formula).")
        rows = {}
        for p in providers:
            current = budgets.get_budget(store, p)
            c1, c2 = st.columns([3, 1])
            amount = c1.number_input(f"Daily budget: {p} (0 = none)", min_value=0.0, key=_K + f"budget.{p}",
                                     value=float(current.amount) if current else 0.0)
            cur = c2.selectbox("Unit", CURRENCIES, key=_K + f"budget_cur.{p}",
                               index=CURRENCIES.index(current.currency if current else currency))
            rows[p] = Money(amount, cur)
        if st.form_submit_button("Save"):
            save_rates(store, Rates(usd_cny))
            store.set_setting("usage.currency", currency)
            for p, m in rows.items():
                budgets.set_budget(store, p, m if m.amount else None)
            st.toast("Saved")


def render_budget_bars(store, rates: Rates) -> None:
    """Today's spend against each budget that is set (real requests only, as budget_warning counts)."""
    shown = 0
    for p in _providers(store):
        s = budgets.budget_status(store, p, rates=rates)
        if s is not None:
            st.progress(min(1.0, max(0.0, s.fraction)), text=md_escape(s.label()))
            shown += 1
    if not shown:
        st.caption("No daily budget set.")
