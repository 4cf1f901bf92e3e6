"""An edit's results: before / after side by side, a difference heatmap, "keep unmasked pixels", "Edit again".

The source and the mask come from the job's own inputs (JobService saves them), so the comparison survives a
refresh. The pasted-back image is stored as an extra image of the same job at `masks.PASTE_BACK_IDX + i` (i = the
result it was made from): the gallery shows it beside the raw result, and `(job_id, idx)` being unique makes
storing it idempotent across reruns.
"""

from __future__ import annotations

import io

import streamlit as st
from PIL import Image

from easel.media import masks
from easel.core.errors import EaselError
from easel.media.imaging import open_image
from easel.core.models import ImageOut

from components import md_escape
from components.edit_inputs import EDIT_SOURCE
from components.gallery import render_gallery
from components.job_view import job_view

__all__ = ["watch", "render_results", "paste_back_row"]

_PREVIEW = 700


def _inputs(store, job) -> tuple[Image.Image | None, Image.Image | None]:
    """The job's first input image and its mask, from the store; (None, None) when gone."""
    inputs = job.inputs or {}
    try:
        first = (inputs.get("images") or [{}])[0]
        source = open_image(store.load_input(first["sha"]), what="stored") if "sha" in first else None
        mask_item = inputs.get("mask")
        mask = open_image(store.load_input(mask_item["sha"]), what="stored") if mask_item else None
    except (FileNotFoundError, KeyError, EaselError):
        return None, None
    return source, mask


def paste_back_row(store, job, result_row, source: Image.Image, mask: Image.Image):
    """The result with the source's pixels outside the mask, stored once as an extra image of the job."""
    idx = masks.PASTE_BACK_IDX + result_row.idx
    existing = [r for r in store.list_images(job_id=job.id, limit=1000) if r.idx == idx]
    if existing:
        return existing[0]
    result = open_image(store.image_bytes(result_row), what="stored")
    merged = masks.paste_back(source, result, mask)
    buf = io.BytesIO()
    merged.save(buf, format="PNG")
    out = ImageOut(data=buf.getvalue(), width=merged.width, height=merged.height, mime="image/png",
                   revised_prompt=result_row.revised_prompt)
    return store.add_image(job.id, idx, out)


def _preview(img: Image.Image) -> Image.Image:
    small = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    small.thumbnail((_PREVIEW, _PREVIEW))
    return small


def _edit_again(image_id: int) -> None:
    st.session_state[EDIT_SOURCE] = image_id


def watch(store, jobs_service, job_id: str) -> None:
    """Live status (and Cancel) while the edit runs, or why it failed; render_results takes over once done."""
    job = store.get_job(job_id)
    if job is not None and job.status != "completed":
        job_view([job_id], key="edit.job", store=store, jobs_service=jobs_service)


def render_results(store, job_id: str, *, key: str = "edit.result") -> None:
    """Draw the finished edit's results (nothing while the job still runs)."""
    job = store.get_job(job_id)
    if job is None or job.status != "completed":
        return
    rows = [r for r in store.list_images(job_id=job_id, limit=1000) if not masks.is_paste_back(r.idx)]
    if not rows:
        return
    source, mask = _inputs(store, job)
    keep = False
    if mask is not None and source is not None:
        keep = st.toggle("Keep unmasked pixels", value=True, key=f"{key}.keep",
                         help="gpt-image models redraw the whole image. This pastes the original pixels back "
                              "everywhere outside the mask; the result is saved to the gallery too.")
    for row in rows:
        shown = row
        try:
            if keep:
                shown = paste_back_row(store, job, row, source, mask)
            after = open_image(store.image_bytes(shown), what="stored")
        except EaselError as err:
            st.error(md_escape(err.user_message()))
            continue
        cols = st.columns(3 if source is not None else 1)
        if source is not None:
            cols[0].image(_preview(source), caption="Before")
            cols[1].image(_preview(after), caption="After, unmasked pixels kept" if keep else "After")
            cols[2].image(masks.difference_heatmap(source, after), caption="Difference (brighter = more change)")
        else:
            cols[0].image(_preview(after), caption="Result")
        st.button("Edit again", key=f"{key}.again.{shown.id}", on_click=_edit_again, args=(shown.id,),
                  icon=":material/edit:", help="Make this result the new source image.")
    with st.expander("In the gallery", expanded=False):
        render_gallery(store.list_images(job_id=job_id, limit=1000), key=f"{key}.gallery", store=store)
