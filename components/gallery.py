"""The gallery grid shared by Generate, Edit, Tasks and the Gallery page.

Only cached thumbnails reach the browser; full images are read at download time (a callable `data`), so a
page of 4k results costs kilobytes per rerun. Prompts and revised prompts are shown with st.text: a prompt is
user text and must never be rendered as markdown (an image link in it would make the browser fetch it).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import datetime, timezone

import streamlit as st

from easel.media import imaging
from easel.media.masks import is_paste_back
from easel.core.models import Money

from components import truncate
from easel.media import thumbnails

__all__ = ["render_gallery", "download_bytes", "zip_bytes", "image_metadata", "caption_lines", "FORMATS"]

FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WebP": ("webp", "image/webp")}


def _store():
    from components.services import get_store

    return get_store()


def image_metadata(row, job) -> dict:
    """What a downloaded PNG carries as text chunks: enough to reproduce the image, never a key or URL."""
    meta = {
        "prompt": row.prompt or (job.prompt if job else ""),
        "revised_prompt": row.revised_prompt,
        "provider": row.provider,
        "model": row.model,
        "size": f"{row.width}x{row.height}" if row.width else row.size,
        "quality": row.quality,
        "created": datetime.fromtimestamp(row.created_at, timezone.utc).isoformat(timespec="seconds"),
        "software": "Easel",
    }
    if job is not None:
        params = dict(job.params)
        params.pop("images", None)
        params.pop("mask", None)
        meta["parameters"] = json.dumps(params, ensure_ascii=False, sort_keys=True)
    return {k: v for k, v in meta.items() if v not in (None, "")}


def file_name(row, ext: str) -> str:
    return f"easel-{row.job_id[:8]}-{row.idx + 1}.{ext}"


def download_bytes(store, row, fmt: str) -> bytes:
    """The stored image converted to PNG / JPEG / WebP, with its prompt and parameters as metadata."""
    return imaging.convert(store.image_bytes(row), fmt, image_metadata(row, store.get_job(row.job_id)))


def zip_bytes(store, rows) -> bytes:
    """Every image as stored (no re-encoding), plus a manifest of prompts and parameters."""
    buf = io.BytesIO()
    manifest = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for row in rows:
            ext = {"image/jpeg": "jpg", "image/webp": "webp"}.get(row.mime or "", "png")
            name = file_name(row, ext)
            zf.writestr(name, store.image_bytes(row))
            manifest.append({"file": name, **image_metadata(row, store.get_job(row.job_id))})
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buf.getvalue()


def _job_cost(job) -> str:
    if job is None:
        return ""
    amount = job.cost_actual if job.cost_actual is not None else job.cost_estimated
    if amount is None:
        return ""
    per_image = amount / max(1, job.n or 1)
    label = Money(per_image, job.currency or "USD").label()
    return label if job.cost_actual is not None else f"≈ {label}"


def caption_lines(row, job) -> list[str]:
    """Prompt (truncated), then provider · size · quality, then cost · latency."""
    size = f"{row.width}×{row.height}" if row.width else (row.size or "")
    kept = "unmasked pixels kept" if is_paste_back(row.idx) else ""
    second = " · ".join(x for x in (row.provider, size, row.quality, kept) if x)
    latency = f"{job.latency_s:.1f} s" if job is not None and job.latency_s is not None else ""
    third = " · ".join(x for x in (_job_cost(job), latency) if x)
    return [truncate(row.prompt or (job.prompt if job else ""), 70), second, third]


# --- actions: callbacks run before the next script run, so they may set other widgets' state ------------
# Which image's dialog is open, as (gallery key, image id). One key for every gallery: Streamlit allows one
# dialog per script run, and the pages draw several galleries (Generate's results, the Tasks list).
DIALOG = "easel.gallery.dialog"


def _open_dialog(key: str, image_id: int) -> None:
    st.session_state[DIALOG] = (key, image_id)


def _close_dialog() -> None:
    st.session_state.pop(DIALOG, None)


def _use_as_reference(image_id: int) -> None:
    refs = st.session_state.setdefault("easel.references", [])
    if image_id not in refs:
        refs.append(image_id)
    st.session_state["easel.toasts"] = [*st.session_state.get("easel.toasts", []), "Added as a reference on Generate"]
    _close_dialog()


def _reuse(job) -> None:
    params = dict(job.params)
    params["prompt"] = job.prompt
    params["provider"] = job.provider
    st.session_state["easel.reuse"] = params
    from components.session import PROVIDER_KEY, provider_options

    if job.provider in provider_options():
        st.session_state[PROVIDER_KEY] = job.provider


def _edit(image_id: int) -> None:
    st.session_state["easel.edit_source"] = image_id


def _delete(store, image_id: int, key: str) -> None:
    store.delete_image(image_id)
    st.session_state.pop(f"{key}.confirm", None)
    _close_dialog()


@st.dialog("Image", width="medium", on_dismiss=_close_dialog)
def _image_dialog(store, row, job, key: str) -> None:
    """Everything but the one-click PNG: drawn only while open, so a page of cells costs two widgets each."""
    if st.session_state.get(DIALOG) != (key, row.id):
        # An action closed it from a callback; inside the dialog's own rerun only a full rerun removes it.
        st.rerun()
    ck = f"{key}.{row.id}"
    _thumbnail(store, row, width="content")          # its own 384 px: stretched wider it would blur
    st.text(row.prompt or (job.prompt if job else ""))
    if row.revised_prompt:
        st.caption("Revised prompt")
        st.text(row.revised_prompt)
    cols = st.columns(2)
    for col, label in zip(cols, ("JPEG", "WebP")):
        ext, mime = FORMATS[label]
        col.download_button(f"Download {label}", data=lambda r=row, f=ext: download_bytes(store, r, f),
                            file_name=file_name(row, ext), mime=mime, key=f"{ck}.dl.{ext}", on_click="ignore",
                            icon=":material/download:", width="stretch")
    if st.button("Edit this image", key=f"{ck}.edit", on_click=_edit, args=(row.id,), width="stretch",
                 icon=":material/edit:"):
        _close_dialog()
        st.switch_page("pages/edit.py")
    st.button("Use as reference", key=f"{ck}.ref", on_click=_use_as_reference, args=(row.id,), width="stretch",
              icon=":material/add_photo_alternate:")
    if job is not None and st.button("Reuse settings", key=f"{ck}.reuse", on_click=_reuse, args=(job,),
                                     width="stretch", icon=":material/replay:"):
        _close_dialog()
        st.switch_page("pages/generate.py")
    if st.session_state.get(f"{key}.confirm") == row.id:
        st.warning("Delete this image from the gallery?")
        c1, c2 = st.columns(2)
        c1.button("Delete", key=f"{ck}.yes", type="primary", on_click=_delete, args=(store, row.id, key),
                  width="stretch")
        c2.button("Keep", key=f"{ck}.no", on_click=lambda: st.session_state.pop(f"{key}.confirm", None),
                  width="stretch")
    else:
        st.button("Delete…", key=f"{ck}.del", width="stretch", icon=":material/delete:",
                  on_click=lambda: st.session_state.__setitem__(f"{key}.confirm", row.id))


def _thumbnail(store, row, *, width="stretch") -> None:
    # The format is named so st.image need not open the file to guess it; JPEG/PNG are then sent as they are.
    path = thumbnails.thumbnail_path(store, row)
    st.image(str(path), width=width, output_format="PNG" if path.suffix == ".png" else "JPEG")


def _cell(store, row, job, *, key: str, actions: bool) -> None:
    _thumbnail(store, row)
    st.text("\n".join(line for line in caption_lines(row, job) if line))
    ck = f"{key}.{row.id}"
    png_ext, png_mime = FORMATS["PNG"]
    st.download_button("PNG", data=lambda r=row: download_bytes(store, r, "png"), file_name=file_name(row, png_ext),
                       mime=png_mime, key=f"{ck}.dl.png", on_click="ignore", icon=":material/download:",
                       width="stretch")
    if actions:
        st.button("More", key=f"{ck}.more", icon=":material/more_horiz:", width="stretch",
                  help="JPEG and WebP downloads, edit, use as reference, reuse settings, delete",
                  on_click=_open_dialog, args=(key, row.id))


def render_gallery(images, *, key: str, columns: int = 4, actions: bool = True, store=None) -> None:
    """A grid of result thumbnails with captions, a PNG download and (optionally) a dialog of actions."""
    store = store or _store()
    if not images:
        return
    jobs = store.get_jobs(row.job_id for row in images)
    for start in range(0, len(images), columns):
        chunk = images[start:start + columns]
        # Every element costs script time on each rerun, so a full row's card is its bordered column rather than
        # a bordered container inside it. A short row keeps containers: a bordered empty column would show.
        full = len(chunk) == columns
        cols = st.columns(columns, border=full)
        for col, row in zip(cols, chunk):
            with col if full else col.container(border=True):
                _cell(store, row, jobs.get(row.job_id), key=key, actions=actions)
    opened = st.session_state.get(DIALOG)
    if actions and opened and opened[0] == key:
        row = next((r for r in images if r.id == opened[1]), None)
        if row is None:
            _close_dialog()                     # its image left this gallery (deleted, filtered, paged away)
        else:
            _image_dialog(store, row, jobs.get(row.job_id), key)


def zip_button(store, rows_fn, *, key: str, label: str = "Download all (ZIP)") -> None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    st.download_button(label, data=lambda: zip_bytes(store, rows_fn()), file_name=f"easel-{stamp}.zip",
                       mime="application/zip", key=key, on_click="ignore", icon=":material/folder_zip:")
