"""Gallery: every stored result, filtered by provider, date and text, a page at a time; click one for the
lightbox."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import streamlit as st

from components import services
from components.gallery import render_gallery, zip_button
from easel.providers import catalog

# Three rows of six. Every cell's elements cost script time on each rerun: BENCHMARKS.md holds a page of 500
# stored images to 3× an empty gallery and this page to 2× its 12-cell version.
COLUMNS = 6
PER_PAGE = 18
PAGE = "gallery.page"

store = services.get_store()
st.title("Gallery")


def _first_page() -> None:
    st.session_state[PAGE] = 1


def _turn(to: int) -> None:
    st.session_state[PAGE] = to


providers = store.image_providers()
if st.session_state.get("gallery.provider") not in (None, *providers):
    # Its last image was deleted: keep the choice visible (it shows "No images match") rather than drop it.
    providers.append(st.session_state["gallery.provider"])
with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="gallery-filters"):
    provider = st.selectbox("Provider", [None, *providers], key="gallery.provider", on_change=_first_page,
                            format_func=lambda p: "All providers" if p is None else
                            (catalog.BUILTIN[p].label if p in catalog.BUILTIN else p), width=220,
                            label_visibility="collapsed")
    dates = st.date_input("Date", value=(), key="gallery.dates", max_value=date.today() + timedelta(days=1),
                          on_change=_first_page, width=240, label_visibility="collapsed",
                          help="Pick a start and an end day; leave empty for all.")
    text = st.text_input("Search prompts", key="gallery.text", placeholder="Search prompts: fox, watercolor…",
                         on_change=_first_page, width=320, label_visibility="collapsed")

since = until = None
if isinstance(dates, (tuple, list)) and dates:
    since = datetime.combine(dates[0], time.min).timestamp()
    until = datetime.combine(dates[-1] + timedelta(days=1), time.min).timestamp()
filters = dict(provider=provider, text=text.strip() or None, since=since, until=until)

total = store.count_images(**filters)
pages = max(1, math.ceil(total / PER_PAGE))
page = min(max(1, int(st.session_state.get(PAGE, 1))), pages)
st.session_state[PAGE] = page

if total == 0:
    st.info("No images match." if any(v for v in filters.values()) else
            "No images yet. Generate one: the Demo provider works offline.", icon=":material/photo_library:")
    st.stop()


def _nav(where: str) -> None:
    """‹ Prev · Page 2 of 5 · Next ›, as wide as its content."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", width="content",
                      key=f"gallery-nav-{where}"):
        st.button("‹ Prev", key=f"gallery.prev.{where}", on_click=_turn, args=(page - 1,), disabled=page <= 1)
        st.text(f"Page {page} of {pages}", width="content")
        st.button("Next ›", key=f"gallery.next.{where}", on_click=_turn, args=(page + 1,), disabled=page >= pages)


with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
    _nav("top")
    st.text(f"{total} image{'s' if total != 1 else ''}", width="content")
    st.space("stretch")
    zip_button(store, filters, key="gallery.zip")

render_gallery(store.list_images(**filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE), key="gallery.grid",
               columns=COLUMNS, store=store)
if pages > 1:
    _nav("bottom")
