"""What can be done with one stored image, shared by the grid (components/gallery.py) and the lightbox
(components/lightbox.py): downloads with its prompt and parameters as metadata (a ZIP of many is
easel/store/zip_export.py), its caption, and the actions (Edit this, Use as reference, Reuse settings, Delete), which are callbacks that set session_state
keys (`easel.edit_source`, `easel.references`, `easel.reuse`) for the page they lead to.
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _, format_decimal
from easel.core.models import Money
from easel.media import png_info
from easel.media.masks import is_paste_back
from easel.store import zip_export
from easel.store.partials import is_partial

from components import DeferredText, truncate
from components.cost import money_text
from components.image_organize import star_button as organize_hook

__all__ = ["FORMATS", "DIALOG", "image_metadata", "file_name", "download_bytes", "caption_lines", "shown_size",
           "job_cost", "close_dialog", "use_as_reference", "reuse_settings", "edit_this", "delete_image"]

FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WebP": ("webp", "image/webp")}


def image_metadata(row, job) -> dict:
    """What a downloaded PNG carries as text chunks: enough to reproduce the image, never a key or URL."""
    return zip_export.image_metadata(row, job.prompt if job else None, job.params if job else None)


file_name = zip_export.file_name


def download_bytes(store, row, fmt: str) -> bytes:
    """The stored image converted to PNG / JPEG / WebP, with its prompt and settings as Easel's own chunk and
    A1111's `parameters` (easel/media/png_info.py), so PNG Info here and A1111-style viewers read them."""
    return png_info.download(store.image_bytes(row), fmt, png_info.job_chunks(row, store.get_job(row.job_id)))


def job_cost(job) -> str:
    if job is None:
        return ""
    amount = job.cost_actual if job.cost_actual is not None else job.cost_estimated
    if amount is None:
        return ""
    per_image = amount / max(1, job.n or 1)
    label = money_text(Money(per_image, job.currency or "USD"))
    return label if job.cost_actual is not None else f"≈ {label}"


def shown_size(asked: str | None, width: int | None, height: int | None) -> str:
    """The size read from the image's bytes, after what was asked when the provider chose it:
    'auto → 1024×1536', '16:9 → 2048×1152', or just '1024×1024' when it is what was asked."""
    if not width:
        return asked or ""
    got = f"{width}×{height}"
    return got if not asked or asked == f"{width}x{height}" else f"{asked} → {got}"


def caption_lines(row, job, viewer_id: str = "") -> list[str]:
    """Prompt (truncated), then provider · size · quality, then cost · latency; for a signed-in viewer (`viewer_id`)
    a teammate's shared result ends with whose it is ("by ana"), so a shared image is never taken for one's own."""
    size = shown_size(row.size, row.width, row.height)
    kept = (_("partial") if is_partial(row.idx) else   # a kept preview of a stream that broke (store/partials.py)
            _("unmasked pixels kept") if is_paste_back(row.idx) else "")
    second = " · ".join(x for x in (row.provider, size, row.quality, kept) if x)
    latency = _("{seconds} s").format(seconds=format_decimal(job.latency_s, 1)) \
        if job is not None and job.latency_s is not None else ""
    owner = getattr(job, "owner", "") if viewer_id else ""
    by = _("by {person}").format(person=owner.split("@", 1)[0]) if owner and owner != viewer_id else ""
    third = " · ".join(x for x in (job_cost(job), latency, by) if x)
    return [truncate(row.prompt or (job.prompt if job else ""), 70), second, third]


def download_buttons(store, row, *, key: str, formats: tuple[str, ...] = tuple(FORMATS)) -> None:
    """One click per format: the stored image converted here, on download, to PNG, JPEG (transparency flattened
    onto white) or WebP, with its prompt and parameters as metadata. Keys are `{key}.dl.png|jpg|webp`."""
    def button(label: str, **style) -> None:
        ext, mime = FORMATS[label]
        st.download_button(label, data=lambda r=row, f=ext: download_bytes(store, r, f), file_name=file_name(row, ext),
                           mime=mime, key=f"{key}.dl.{ext}", on_click="ignore", **style)

    if len(formats) == 1:
        button(formats[0], icon=":material/download:", width="stretch")
        return
    # Borderless (tertiary), so three fit on one line of a narrow result card.
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for label in formats:
            button(label, type="tertiary", width="content",
                   icon=":material/download:" if label == formats[0] else None)
        organize_hook(store, row, key=key, compact=True)      # Star on a result card (components/image_organize.py)


# --- actions: callbacks run before the next script run, so they may set other widgets' state ------------
# The lightbox (components/lightbox.py) calls these; they close it where the action leaves it nothing to show.
# Which image's lightbox is open, as (gallery key, image id). One key for every gallery: Streamlit allows one
# dialog per script run, and the pages draw several galleries (Generate's results, the Tasks list).
DIALOG = "easel.gallery.dialog"


def close_dialog() -> None:
    st.session_state.pop(DIALOG, None)


def use_as_reference(image_id: int) -> None:
    refs = st.session_state.setdefault("easel.references", [])
    if image_id not in refs:
        refs.append(image_id)
    st.session_state["easel.toasts"] = [*st.session_state.get("easel.toasts", []),
                                        DeferredText.gettext("Added as a reference on Generate")]
    close_dialog()


def reuse_settings(job) -> None:
    params = dict(job.params)
    params["prompt"] = job.prompt
    params["provider"] = job.provider
    st.session_state["easel.reuse"] = params
    from components.session import PROVIDER_KEY, provider_options

    if job.provider in provider_options():
        st.session_state[PROVIDER_KEY] = job.provider


def edit_this(image_id: int) -> None:
    st.session_state["easel.edit_source"] = image_id


def delete_image(store, image_id: int, key: str) -> None:
    store.delete_image(image_id)
    st.session_state.pop(f"{key}.confirm", None)
    close_dialog()
