"""The gallery's batch filter: a select of recent batches (all images when none is chosen), and with one chosen,
its ZIP with batch.csv (each row's job id, status, files and cost; the gallery's own ZIP has no manifest)."""

from __future__ import annotations

import streamlit as st

from easel.batch import archive
from easel.core.i18n import _, format_datetime
from easel.store import batches

from components import truncate
from components.batch_progress import GALLERY_BATCH, batch_name

__all__ = ["batch_filter"]


def batch_filter(store, *, on_change=None) -> str | None:
    """Draw the select; return the chosen batch id."""
    recent = {b.id: b for b in batches.list_batches(store, limit=30)}
    chosen = st.session_state.get(GALLERY_BATCH)
    if chosen is not None and chosen not in recent:
        b = batches.get_batch(store, chosen)
        if b is None:
            st.session_state[GALLERY_BATCH] = chosen = None
        else:
            recent[b.id] = b
    if not recent:
        return None

    def label(bid: str | None) -> str:
        if bid is None:
            return _("All batches")
        b = recent[bid]
        # The id first: the select is narrow, and the id is what Generate's progress line names.
        return _("Batch {id} · {name} · {created}").format(id=bid[:6], name=truncate(batch_name(b.name), 18),
                                                         created=format_datetime(b.created_at, "short"))

    chosen = st.selectbox(_("Batch"), [None, *recent], key=GALLERY_BATCH, format_func=label, on_change=on_change,
                          width=220, label_visibility="collapsed")
    if chosen is not None:
        st.download_button(_("Batch ZIP"), data=lambda: archive.zip_to_temp_file(store, chosen),
                           file_name=f"easel-batch-{chosen}.zip", mime="application/zip", icon=":material/download:",
                           key="gallery.batch.zip", help=_("This batch's images and batch.csv: each row's job id, "
                                                           "status, file names and cost, failed rows included."))
    return chosen
