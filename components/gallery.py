"""The gallery grid shared by Generate, Edit, Tasks and the Gallery page; clicking a thumbnail opens the
lightbox (components/lightbox.py). What can be done with an image lives in components/image_actions.py.

The Gallery page's wide grid (48 a page) is one Components v2 element (components/gallery_grid.py): Streamlit's
cost is per element, and 48 cards of an image, a caption and a button were most of a rerun. The result grids of
Generate, Edit and Tasks hold a few images whose cards each offer PNG, JPEG and WebP in one click (download
buttons a component cannot draw), so they keep a card of Streamlit elements per image, drawn below.

Only cached thumbnails reach the browser; full images are read at download time (a callable `data`), so a
page of 4k results costs kilobytes per rerun. Prompts and revised prompts are shown with st.text: a prompt is
user text and must never be rendered as markdown (an image link in it would make the browser fetch it).
"""

from __future__ import annotations

import time

import streamlit as st

from easel.core import identity
from easel.core.i18n import _, format_decimal, format_number, ngettext
from easel.media import thumbnails
from easel.store import zip_export

from components import css, gallery_grid, image_actions, lightbox
from components.image_actions import FORMATS, caption_lines, download_bytes, image_metadata

__all__ = ["render_gallery", "zip_button", "download_bytes", "image_metadata", "caption_lines", "FORMATS",
           "ZIP_PART_BYTES"]

# Streamlit serves a download from memory (its media store holds the whole file), so a large gallery goes as
# several archives of at most this size: the app's memory then stays flat however many images there are.
ZIP_PART_BYTES = 150 * 1024 * 1024


def _store():
    from components.services import get_store

    return get_store()


# --- the grid ----------------------------------------------------------------------------------------------
# Layout is CSS on keyed elements (a key becomes the class `st-key-<key>`, dots turned to dashes):
# - `easel-grid-…`: a grid of st.columns rows, a card per bordered column. In a narrow container (Generate's
#   results column) every row wraps to 2 across. A short row's empty columns are hidden.
# - `easel-grid-wide-…` (5 or more across, the Gallery page): compact cards, every thumbnail boxed in a square
#   (contained, not cropped) so the cards of a page are one height; 3 across in a middling container.
# - `…-open`: the lightbox button, laid over the thumbnail and invisible, so clicking the image opens it. Over
#   a square box it needs no wrapper; over a thumbnail of its own height it is laid in `easel-thumb-…`.
# - captions keep one line each (ellipsis), and every card has the same number of lines.
_GRID_CSS = """
[class*="st-key-easel-grid-"] { container-type: inline-size; }
[class*="st-key-easel-grid-"] [data-testid="stColumn"]:not(:has([data-testid="stElementContainer"])) {
  visibility: hidden; }
[class*="st-key-easel-grid-wide-"] [data-testid="stColumn"] { padding: 0.5rem !important; }
@container (max-width: 620px) {
  [class*="st-key-easel-grid-"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 1rem; }
  [class*="st-key-easel-grid-"] [data-testid="stColumn"] {
    flex: 0 0 calc(50% - 0.5rem) !important; width: calc(50% - 0.5rem) !important; min-width: 0 !important; }
  [class*="st-key-easel-grid-"] [data-testid="stColumn"]:not(:has([data-testid="stElementContainer"])) {
    display: none; }
  /* A grid of one (n = 1, the usual Generate result) takes the whole column instead of half of it. */
  [class*="st-key-easel-grid-"] [data-testid="stColumn"]:only-child {
    flex: 1 1 100% !important; width: 100% !important; }
}
@container (min-width: 621px) and (max-width: 860px) {
  [class*="st-key-easel-grid-wide-"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 1rem; }
  [class*="st-key-easel-grid-wide-"] [data-testid="stColumn"] {
    flex: 0 0 calc(33.3% - 0.7rem) !important; width: calc(33.3% - 0.7rem) !important; min-width: 0 !important; }
  [class*="st-key-easel-grid-wide-"] [data-testid="stColumn"]:not(:has([data-testid="stElementContainer"])) {
    display: none; }
}
[class*="st-key-easel-thumb-"] { position: relative; gap: 0; align-items: center; }
[class*="st-key-easel-grid-"] [data-testid="stElementToolbar"] { display: none; }
[class*="st-key-easel-thumb-"] > [data-testid="stElementContainer"][class*="-open"] {
  position: absolute; inset: 0; z-index: 3; width: 100% !important; height: 100%; }
[class*="st-key-easel-grid-wide-"] [data-testid="stColumn"] { position: relative; }
[class*="st-key-easel-grid-wide-"] [data-testid="stColumn"] [data-testid="stElementContainer"][class*="-open"] {
  position: absolute; top: 0.5rem; left: 0.5rem; right: 0.5rem; width: auto !important; aspect-ratio: 1 / 1;
  z-index: 3; }
[class*="st-key-easel-grid-"] [data-testid="stElementContainer"][class*="-open"] [data-testid="stButton"],
[class*="st-key-easel-grid-"] [data-testid="stElementContainer"][class*="-open"] [data-testid="stButton"] > div {
  width: 100%; height: 100%; }
[class*="st-key-easel-grid-"] [data-testid="stElementContainer"][class*="-open"] button {
  width: 100%; height: 100%; min-height: 0; padding: 0; opacity: 0; cursor: zoom-in; }
[class*="st-key-easel-grid-"] [data-testid="stElementContainer"][class*="-open"] button:focus-visible {
  opacity: 0.25; }
[class*="st-key-easel-grid-wide-"] [data-testid="stImage"] img {
  aspect-ratio: 1 / 1; width: 100% !important; height: auto; object-fit: contain;
  background: rgba(128, 128, 128, 0.12); border-radius: 0.25rem; }
[class*="st-key-easel-grid-"] [data-testid="stText"],
[class*="st-key-easel-grid-"] [data-testid="stText"] > span {
  white-space: pre !important; overflow: hidden; text-overflow: ellipsis; }
[class*="st-key-easel-grid-wide-"] [data-testid="stText"] { font-size: 0.8rem; line-height: 1.4; }
"""


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "-" for c in text)


def _thumbnail(store, row, *, width="stretch", alt: str | None = None, side: int = thumbnails.GRID_SIDE) -> None:
    # The format is named so st.image need not open the file to guess it; JPEG/PNG are then sent as they are.
    try:
        thumb = thumbnails.thumbnail(store, row, side)
    except Exception as err:  # noqa: BLE001 - a missing or unreadable file: say so in its cell, draw the rest
        st.warning(_("Image unreadable ({error})").format(error=type(err).__name__), icon=":material/broken_image:")
        return
    st.image(thumb.data, width=width, output_format=thumb.format, alt=alt)


def _open_button(key: str, image_id: int) -> None:
    # Tertiary (no border): should the browser draw it before its CSS for a frame, it shows as a word, not a box.
    st.button(_("Open"), key=f"{key}.{image_id}.open", on_click=lightbox.open_lightbox, args=(key, image_id),
              type="tertiary", width="stretch")


def _cell(store, row, job, *, key: str, actions: bool, square: bool) -> None:
    """Thumbnail (with the lightbox button over it), caption, downloads: on the wide grid only PNG, two widgets,
    so a page stays quick; in a result grid PNG, JPEG and WebP."""
    ck = f"{key}.{row.id}"
    lines = caption_lines(row, job, identity.current().id)
    # A square box fills the card; a natural one keeps the thumbnail's own size at most (a 384 px thumbnail
    # stretched over a wide card would blur) and shrinks it in a narrow one.
    width = "stretch" if square else "content"
    side = thumbnails.TILE_SIDE if square else thumbnails.GRID_SIDE     # a square tile is drawn ~150 px wide
    if actions and square:
        # The column's own thumbnail box is a square of known place, so the button is laid over it by CSS alone.
        _thumbnail(store, row, width=width, alt=lines[0] or None, side=side)
        _open_button(key, row.id)
    elif actions:
        with st.container(key=f"easel-thumb-{_slug(ck)}", gap=None):
            _thumbnail(store, row, width=width, alt=lines[0] or None, side=side)
            _open_button(key, row.id)
    else:
        _thumbnail(store, row, width=width, alt=lines[0] or None, side=side)
    # A fixed number of lines (blank ones kept) so the cards of a row are one height and their buttons line up.
    st.text("\n".join(line or " " for line in lines), width="stretch")
    # A result grid (Generate, Edit) offers every format in one click; the wide Gallery grid keeps PNG, and the
    # lightbox has all three, so a page of many cards stays quick.
    image_actions.download_buttons(store, row, key=ck, formats=("PNG",) if square else tuple(FORMATS))


def render_gallery(images, *, key: str, columns: int = 4, actions: bool = True, store=None, versions=None,
                   pager: gallery_grid.Pager | None = None) -> None:
    """A grid of result thumbnails with captions and a PNG download; clicking a thumbnail opens the lightbox
    (components/lightbox.py) on it, stepping through this grid's images (unless `actions=False`).

    `columns` is the count across at full width; in a narrow container (under ~620 px) the rows wrap to 2
    across. With 5 or more the grid is "wide" (the Gallery page): compact cards with square thumbnail boxes,
    so a page of mixed sizes lines up, drawn as one component (components/gallery_grid.py: a thumbnail is a
    button, and the lightbox has the downloads), with `pager` (gallery_grid.Pager) drawn in it and its captions
    read by `versions` (job id → updated_at, from Store.list_images_versioned) when given. Otherwise a
    thumbnail keeps its aspect and at most its 384 px."""
    store = store or _store()
    if not images:
        return
    square = columns >= 5
    if square and actions:
        # The Gallery page: a page of 48 as one element (components/gallery_grid.py). Result grids hold a few
        # images, each card with three one-click downloads, and keep the per-card elements below.
        gallery_grid.render_tiles(store, images, key=key, columns=columns, versions=versions, pager=pager)
        lightbox.show_lightbox(images, key=key, store=store)
        return
    jobs = store.get_jobs(row.job_id for row in images)
    with st.container(key=f"easel-grid-{'wide-' if square else ''}{_slug(key)}"):
        css.style(_GRID_CSS)
        for start in range(0, len(images), columns):
            chunk = images[start:start + columns]
            # Every element costs script time on each rerun, so a card is its bordered column rather than a
            # bordered container inside it; the CSS hides a short row's empty columns.
            for col, row in zip(st.columns(columns, border=True), chunk):
                with col:
                    _cell(store, row, jobs.get(row.job_id), key=key, actions=actions, square=square)
    if actions:
        lightbox.show_lightbox(images, key=key, store=store)


def zip_button(store, filters: dict, *, key: str, label: str | None = None) -> None:
    """A popover that, once opened, offers the filtered gallery as ZIP archives written to a temporary file on
    click. Nothing is counted or read while it is closed, so it costs a rerun one element. `label`: translated
    by the caller; by default "Download all (ZIP)"."""
    popover = st.popover(label or _("Download all (ZIP)"), icon=":material/folder_zip:", key=key, on_change="rerun")
    if not popover.open:
        return
    with popover:
        parts = zip_export.plan_parts(store, ZIP_PART_BYTES, **filters)
        if not parts:           # it is drawn on an empty gallery too, beside the filters
            st.caption(_("No images match the filters: nothing to download."))
            return
        images = sum(p.count for p in parts)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        if len(parts) > 1:
            st.caption(_("{images} images in {parts} archives of at most {mb} MB, each with its own "
                         "manifest.json.").format(images=format_number(images), parts=len(parts),
                                                  mb=ZIP_PART_BYTES // 2**20))
        for i, part in enumerate(parts, 1):
            size = f"{format_decimal(part.bytes / 2**20, 1)} MB"
            text = (ngettext("Download ZIP · {n} image, {size}", "Download ZIP · {n} images, {size}", part.count)
                    .format(n=format_number(part.count), size=size) if len(parts) == 1
                    else _("Part {i} of {parts} · images {first}–{last} · {size}").format(
                        i=i, parts=len(parts), first=format_number(part.offset + 1),
                        last=format_number(part.offset + part.count), size=size))
            st.download_button(text, data=lambda p=part: zip_export.zip_to_temp_file(store, part=p, **filters),
                               file_name=f"easel-{stamp}.zip" if len(parts) == 1 else f"easel-{stamp}-part{i}.zip",
                               mime="application/zip", key=f"{key}.part{i}", on_click="ignore",
                               icon=":material/download:")
