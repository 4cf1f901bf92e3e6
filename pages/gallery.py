"""Gallery: every stored result, filtered by provider, date and text, a page at a time."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import streamlit as st

from components import services
from components.gallery import render_gallery, zip_button
from easel.providers import catalog

# Three rows of four. Every cell's elements cost script time on each rerun, and issue 7 holds a page of 500 stored
# images to 3× an empty gallery: 16 measured 2.2–4.5× on this machine, 12 stays clear of it.
PER_PAGE = 12

store = services.get_store()
st.title("Gallery")

providers = store.image_providers()
if st.session_state.get("gallery.provider") not in (None, *providers):
    # Its last image was deleted: keep the choice visible (it shows "No images match") rather than drop it.
    providers.append(st.session_state["gallery.provider"])
c1, c2, c3 = st.columns([2, 2, 3])
provider = c1.selectbox("Provider", [None, *providers], key="gallery.provider",
                        format_func=lambda p: "All providers" if p is None else
                        (catalog.BUILTIN[p].label if p in catalog.BUILTIN else p))
dates = c2.date_input("Date", value=(), key="gallery.dates", max_value=date.today() + timedelta(days=1),
                      help="Pick a start and an end day; leave empty for all.")
text = c3.text_input("Search prompts", key="gallery.text", placeholder="fox, watercolor…")

since = until = None
if isinstance(dates, (tuple, list)) and dates:
    since = datetime.combine(dates[0], time.min).timestamp()
    until = datetime.combine(dates[-1] + timedelta(days=1), time.min).timestamp()
filters = dict(provider=provider, text=text.strip() or None, since=since, until=until)

total = store.count_images(**filters)
pages = max(1, math.ceil(total / PER_PAGE))
if st.session_state.get("gallery.page", 1) > pages:
    st.session_state["gallery.page"] = pages

if total == 0:
    st.info("No images match." if any(v for v in filters.values()) else
            "No images yet. Generate one: the Demo provider works offline.", icon=":material/photo_library:")
    st.stop()

head_l, head_r = st.columns([3, 1])
page = head_l.number_input(f"Page (of {pages}) · {total} image{'s' if total != 1 else ''}", min_value=1,
                           max_value=pages, value=1, key="gallery.page")
with head_r:
    zip_button(store, lambda: store.list_images(**filters, limit=100_000), key="gallery.zip")

render_gallery(store.list_images(**filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE), key="gallery.grid",
               store=store)
