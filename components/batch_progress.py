"""A batch while it runs and after: done / failed / remaining, why rows wait (a key, a daily quota and until
when), the failed rows with their errors, Retry failed as a group, the ZIP with batch.csv, and the gallery
filtered by the batch. It reads the store only, so it shows the same after a refresh or a restart.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from easel import batch
from easel.batch import archive
from easel.media import thumbnails
from easel.core.i18n import N_, _, format_number
from easel.store import batches

from components import md_escape

__all__ = ["CURRENT", "GALLERY_BATCH", "PASTED", "batch_progress", "batch_name"]

STRIP = 12                               # results shown here; the gallery shows them all
PER_ROW = 6

CURRENT = "easel.batch.current"          # the batch this session follows on Generate
GALLERY_BATCH = "gallery.batch"          # the gallery's batch filter (components/batch_picker.py)
# The stored name of a batch of pasted prompts (a file's batch is named after the file). It is stored in English,
# as data, and worded in the viewer's language where it is shown (batch_name).
PASTED = N_("pasted prompts")
# A failed row's status (easel.batch.run: not_sent, or a failed job's) as the failed-rows table shows it; the
# stored codes stay English.
_STATUS = {"not_sent": N_("not sent"), "failed": N_("failed"), "interrupted": N_("interrupted"),
           "timed_out": N_("timed out"), "cancelled": N_("cancelled")}
# The failed-rows table's column headers, shown translated over stable English column keys.
_FAILED_COLUMNS = {"Row": N_("Row"), "Status": N_("Status"), "Code": N_("Code"), "Error": N_("Error"),
                   "Prompt": N_("Prompt")}


def batch_name(name: str) -> str:
    return _(PASTED) if name == PASTED else name


def _to_gallery(batch_id: str) -> None:
    st.session_state[GALLERY_BATCH] = batch_id
    st.session_state["gallery.cursors"] = [None]


def batch_progress(store, jobs, batch_id: str | None) -> None:
    if not batch_id or batches.get_batch(store, batch_id) is None:
        return
    unfinished = not batch.progress(store, batch_id).finished

    @st.fragment(run_every=1.0 if unfinished else None)
    def _live() -> None:
        rows = batch.results(store, batch_id)
        p = batch.progress(store, batch_id, rows)
        if unfinished and p.finished:
            st.rerun()                  # the last row finished: a full run turns the live refresh off
        st.divider()
        if p.invalid:
            line = _("**Batch {id}** · {done} done · {failed} failed · {remaining} remaining · {invalid} invalid")
        else:
            line = _("**Batch {id}** · {done} done · {failed} failed · {remaining} remaining")
        st.markdown(line.format(id=batch_id, done=format_number(p.done), failed=format_number(p.failed),
                                remaining=format_number(p.remaining), invalid=format_number(p.invalid)))
        sendable = p.total - p.invalid
        st.progress((p.done + p.failed) / sendable if sendable else 1.0)
        if p.waiting_message:
            st.info(md_escape(p.waiting_shown), icon=":material/schedule:")
        failed = [r for r in rows if r.failed]
        if failed:
            st.dataframe(pd.DataFrame([{"Row": r.row, "Status": _(_STATUS[r.status]) if r.status in _STATUS
                                        else r.status, "Code": r.error_code, "Error": r.error_shown,
                                        "Prompt": r.prompt} for r in failed]),
                         hide_index=True, width="stretch", key=f"batch.failed.{batch_id}",
                         column_config={k: _(v) for k, v in _FAILED_COLUMNS.items()})
        # Each action shows once it can act: retry with failed rows, the gallery with results, the ZIP when done.
        with st.container(horizontal=True, gap="small"):
            if failed and st.button(_("Retry {n} failed").format(n=format_number(len(failed))),
                                    icon=":material/replay:",
                                    key=f"batch.retry.{batch_id}"):
                batch.retry_failed(jobs, batch_id)
                st.rerun()
            if p.done and st.button(_("Show in Gallery"), icon=":material/photo_library:",
                                    key=f"batch.gallery.{batch_id}"):
                _to_gallery(batch_id)
                st.switch_page("pages/gallery.py")
            if p.remaining == 0:
                st.download_button(_("Download ZIP"), data=lambda: archive.zip_to_temp_file(store, batch_id),
                                   file_name=f"easel-batch-{batch_id}.zip", mime="application/zip",
                                   icon=":material/download:", key=f"batch.zip.{batch_id}",
                                   help=_("Every row's images and batch.csv: each row's job id, status, files "
                                          "and cost."))
        _strip(store, rows)

    _live()


def _strip(store, rows) -> None:
    """The first results, small, in row order: enough to see the batch is what was meant."""
    shown = [r for r in rows if r.images][:STRIP]
    if not shown:
        return
    with st.container(key="batch-strip"):
        for start in range(0, len(shown), PER_ROW):
            for col, r in zip(st.columns(PER_ROW, gap="small"), shown[start:start + PER_ROW]):
                thumb = thumbnails.thumbnail(store, r.images[0])
                col.image(thumb.data, width="stretch", caption=_("Row {n}").format(n=r.row), output_format=thumb.format)
