"""An edit's result, beside the source: a before/after wipe, the difference heatmap, "keep unmasked pixels",
"Edit again".

It lives in the Edit page's narrow right column, under the Edit button: a placeholder until there is a job, the
job's live status while it runs, then the result. The wipe is drawn here with Pillow from downscaled copies that
are cached by content hash, inside a fragment, so dragging its slider redraws only the comparison.

The source and the mask come from the job's own inputs (JobService saves them), so the comparison survives a
refresh. The pasted-back image is stored as an extra image of the same job at `masks.PASTE_BACK_IDX + i` (i = the
result it was made from): the gallery shows it beside the raw result, and `(job_id, idx)` being unique makes
storing it idempotent across reruns.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import streamlit as st
from PIL import Image

from easel.media import masks
from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.media.imaging import open_image
from easel.core.models import ImageOut


from components.edit_inputs import EDIT_SOURCE
from components.gallery import render_gallery
from components.job_view import job_view
from components.errors_view import show_error

__all__ = ["placeholder", "watch", "render_results", "paste_back_row"]

_PREVIEW = 800          # px, longest side of the cached copies: sharp in the column and decent in fullscreen


def placeholder() -> None:
    with st.container(border=True, height=180, vertical_alignment="center", horizontal_alignment="center"):
        st.caption(_("The result appears here, beside the source, with a before/after slider."))


@st.cache_data(max_entries=64, show_spinner=False)
def _small(sha: str, _load: Callable[[], bytes]) -> Image.Image:
    """A copy no larger than _PREVIEW, cached by the content hash (`_load` is not hashed: `sha` names its bytes,
    and it is only called on a miss)."""
    img = open_image(_load(), what="stored")
    img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    img.thumbnail((_PREVIEW, _PREVIEW), Image.Resampling.LANCZOS)
    return img


@st.cache_data(max_entries=32, show_spinner=False)
def _heatmap(before_sha: str, after_sha: str, _before: Image.Image, _after: Image.Image) -> Image.Image:
    return masks.difference_heatmap(_before, _after, max_side=_PREVIEW)


def _input_shas(job) -> tuple[str | None, str | None]:
    inputs = job.inputs or {}
    first = (inputs.get("images") or [{}])[0]
    return first.get("sha"), (inputs.get("mask") or {}).get("sha")


def _load_input(store, sha: str | None) -> bytes | None:
    if not sha:
        return None
    try:
        return store.load_input(sha)
    except FileNotFoundError:
        return None


def paste_back_row(store, job, result_row, source: Image.Image, mask: Image.Image):
    """The result with the source's pixels outside the mask, stored once as an extra image of the job."""
    result = open_image(store.image_bytes(result_row), what="stored")
    merged = masks.paste_back(source, result, mask)
    buf = io.BytesIO()
    merged.save(buf, format="PNG")
    out = ImageOut(data=buf.getvalue(), width=merged.width, height=merged.height, mime="image/png",
                   revised_prompt=result_row.revised_prompt)
    return store.add_image(job.id, masks.PASTE_BACK_IDX + result_row.idx, out)


def _paste_backs(store, job, rows, source_data: bytes, mask_data: bytes) -> dict:
    """{result row id: its pasted-back row}, making the missing ones (every result's, so the gallery has them
    all); the full-size source and mask are only decoded when one is missing."""
    stored = {r.idx: r for r in store.list_images(job_id=job.id, limit=1000) if masks.is_paste_back(r.idx)}
    out, full = {}, None
    for row in rows:
        pasted = stored.get(masks.PASTE_BACK_IDX + row.idx)
        if pasted is None:
            full = full or (open_image(source_data, what="stored"), open_image(mask_data, what="stored"))
            pasted = paste_back_row(store, job, row, *full)
        out[row.id] = pasted
    return out


def _edit_again(image_id: int) -> None:
    st.session_state[EDIT_SOURCE] = image_id


def watch(store, jobs_service, job_id: str) -> None:
    """Live status (and Cancel) while the edit runs, or why it failed; render_results takes over once done."""
    job = store.get_job(job_id)
    if job is not None and job.status != "completed":
        job_view([job_id], key="edit.job", store=store, jobs_service=jobs_service)


def render_results(store, job_id: str, *, key: str = "edit.result") -> None:
    """Draw the finished edit's result (nothing while the job still runs)."""
    job = store.get_job(job_id)
    if job is None or job.status != "completed":
        return
    rows = [r for r in store.list_images(job_id=job_id, limit=1000) if not masks.is_paste_back(r.idx)]
    if not rows:
        return
    if len(rows) > 1:
        pick = st.segmented_control(_("Result"), list(range(len(rows))), default=0, required=True, key=f"{key}.pick",
                                    format_func=lambda i: f"{i + 1}", label_visibility="collapsed")
        row = rows[pick or 0]
    else:
        row = rows[0]
    source_sha, mask_sha = _input_shas(job)
    source_data = _load_input(store, source_sha)
    mask_data = _load_input(store, mask_sha)
    keep = False
    if source_data is not None and mask_data is not None:
        keep = st.toggle(_("Keep unmasked pixels"), value=True, key=f"{key}.keep",
                         help=_("gpt-image models redraw the whole image. This pastes the original pixels back "
                                "everywhere outside the mask; the result is saved to the gallery too."))
    shown = row
    try:
        if keep:
            shown = _paste_backs(store, job, rows, source_data, mask_data)[row.id]
        after = _small(shown.sha256, lambda: store.image_bytes(shown))
        before = _small(source_sha, lambda: source_data) if source_data is not None else None
    except EaselError as err:
        show_error(err)
        return
    if before is None:
        st.image(after, caption=_("Result"), width="stretch")
    else:
        _compare(before, after, source_sha, shown.sha256, keep=keep, key=key)
    st.button(_("Edit again"), key=f"{key}.again.{shown.id}", on_click=_edit_again, args=(shown.id,),
              icon=":material/edit:", help=_("Make this result the new source image."))
    with st.expander(_("In the gallery"), expanded=False, key=f"{key}.in_gallery"):
        render_gallery(store.list_images(job_id=job_id, limit=1000), key=f"{key}.gallery", store=store, columns=1)


@st.fragment
def _compare(before: Image.Image, after: Image.Image, before_sha: str, after_sha: str, *, keep: bool, key: str) -> None:
    """The wipe and its slider, then the heatmap; the slider reruns this fragment only."""
    frame = st.container(key=f"{key}.compare")       # above the slider, drawn once the slider's value is known
    pos = st.slider(_("Before ◀ ▶ After"), 0, 100, 50, key=f"{key}.wipe", format="%d%%",
                    help=_("Drag to move the seam: the source is on its left, the result on its right."))
    caption = _("Before ◀ | ▶ After, unmasked pixels kept") if keep else _("Before ◀ | ▶ After")
    frame.image(masks.wipe(before, after, pos / 100), width="stretch", caption=caption)
    st.image(_heatmap(before_sha, after_sha, before, after), width="stretch",
             caption=_("Difference (brighter = more change)"))
