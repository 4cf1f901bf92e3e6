"""Gallery: every stored result, filtered by provider, date, page of origin and prompt text, a page at a time;
click one for the lightbox."""

from __future__ import annotations

import math
from datetime import timedelta

import streamlit as st

from components import batch_picker, services, team_share
from components.gallery import render_gallery, zip_button
from components.gallery_grid import Pager
from components.image_organize import gallery_filters
from components.router import ensure_routed
from easel.core.i18n import N_, _, format_number, ngettext
from easel.providers import catalog
from easel.usage.days import date_of, day_number, usage_today

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

# Eight rows of six. Counts, filter values and search come from trigger-kept tables and an FTS index, and a
# page is read after a keyset cursor, so a rerun costs the same with 10 images or 10,000 (BENCHMARKS.md).
COLUMNS = 6
PER_PAGE = 48
CURSORS = "gallery.cursors"        # the (created_at, id) after which each page walked so far starts
ORIGIN_LABELS = {"generate": N_("Generate"), "edit": N_("Edit")}

store = services.get_store()
whose = None
if services.viewer().single:
    st.title(_("Gallery"))
else:
    # A signed-in person's own images, the team's and others' shared ones, or all they may see: beside the title,
    # where the filter rows have no room left at 1366 px.
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="gallery-head"):
        st.title(_("Gallery"), width="content")
        whose = st.selectbox(_("Whose images"), list(team_share.WHOSE_LABELS), key="gallery.whose",
                             format_func=lambda w: _(team_share.WHOSE_LABELS[w]), on_change=lambda: _first_page(),
                             width=200, label_visibility="collapsed")


def _first_page() -> None:
    st.session_state[CURSORS] = [None]


def _older(cursor) -> None:
    st.session_state[CURSORS] = [*st.session_state.get(CURSORS, [None]), cursor]


def _newer() -> None:
    st.session_state[CURSORS] = st.session_state.get(CURSORS, [None])[:-1] or [None]


providers = store.image_providers()
if st.session_state.get("gallery.provider") not in (None, *providers):
    # Its last image was deleted: keep the choice visible (it shows "No images match") rather than drop it.
    providers.append(st.session_state["gallery.provider"])
known_days = store.image_days()
today = usage_today(store)
with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="gallery-filters"):
    provider = st.selectbox(_("Provider"), [None, *providers], key="gallery.provider", on_change=_first_page,
                            format_func=lambda p: _("All providers") if p is None else
                            (catalog.BUILTIN[p].label if p in catalog.BUILTIN else p), width=200,
                            label_visibility="collapsed")
    dates = st.date_input(_("Date"), value=(), key="gallery.dates", on_change=_first_page, width=240,
                          max_value=max(today, date_of(known_days[1]) if known_days else today) + timedelta(days=1),
                          label_visibility="collapsed",
                          help=_("Pick a start and an end day (usage days, as on the Usage page); leave empty for "
                                 "all."))
    origin = st.segmented_control(_("Page of origin"), list(ORIGIN_LABELS), key="gallery.origin",
                                  format_func=lambda o: _(ORIGIN_LABELS[o]), on_change=_first_page,
                                  label_visibility="collapsed")
    text = st.text_input(_("Search prompts"), key="gallery.text",
                         placeholder=_("Search prompts: fox, 橘猫, 고양이…"), on_change=_first_page, width="stretch",
                         label_visibility="collapsed")
    batch_id = batch_picker.batch_filter(store, on_change=_first_page)

winners = bool(st.session_state.get("gallery.winners"))
days = None
if isinstance(dates, (tuple, list)) and dates:
    days = (day_number(dates[0]), day_number(dates[-1]))
filters = dict(provider=provider, text=text.strip() or None, origin=origin, days=days,
               tag="winner" if winners else None, batch_id=batch_id)
if whose is not None:
    filters["whose"] = whose
# The second row, drawn alike on an empty gallery and a full one: Board · Starred (components/image_organize.py)
# on the left; the winners filter and the ZIP of what the filters select on the right.
with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="gallery-tools"):
    filters.update(gallery_filters(store, on_change=_first_page))
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", width="content"):
        st.toggle(_("Comparison winners"), key="gallery.winners", on_change=_first_page,
                  help=_("Only the images picked as a comparison's winner on the Compare page."))
        zip_button(store, filters, key="gallery.zip")

total = store.count_images(**filters)
pages = max(1, math.ceil(total / PER_PAGE))
cursors = st.session_state.get(CURSORS) or [None]
if len(cursors) > pages:            # deletions left fewer pages
    cursors = cursors[:pages]
st.session_state[CURSORS] = cursors
page = len(cursors)

if total == 0:
    st.info(_("No images match.") if any(v for v in filters.values()) else
            _("No images yet. Generate one: the Demo provider works offline."), icon=":material/photo_library:")
    st.stop()

# One more than a page: whether there is a next page, without a count. The same query gives each job's version,
# by which the grid keeps its captions (a rerun reads no job).
rows, versions = store.list_images_versioned(**filters, limit=PER_PAGE + 1, before=cursors[-1])
more, rows = len(rows) > PER_PAGE, rows[:PER_PAGE]
next_cursor = (rows[-1].created_at, rows[-1].id) if more else None

# ‹ Prev · Page 2 of 5 · Next › and the count, above and below the grid, are drawn in the grid's own element.
pager = Pager(page, pages, ngettext("{n} image", "{n} images", total).format(n=format_number(total)),
              on_prev=_newer if page > 1 else None,
              on_next=(lambda: _older(next_cursor)) if more else None)
render_gallery(rows, key="gallery.grid", columns=COLUMNS, store=store, versions=versions, pager=pager)
