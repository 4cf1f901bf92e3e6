"""The mask painter: streamlit-drawable-canvas over a page-sized copy of the source, mapped back to its pixels.

Persistence: the canvas reloads its drawing (and resets its undo history) whenever `initial_drawing` changes,
so the drawing is NOT fed back on every run. It is saved after each run and handed to the canvas only when the
canvas mounts afresh (first visit, page switch, new source): that is when the canvas's key is absent from
session state. The strokes image is saved with it, because a freshly mounted canvas sends nothing back until the
next stroke.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import streamlit as st
from PIL import Image

from easel.media import masks
from easel.providers.catalog import Profile
from easel.core.errors import EaselError
from easel.media.imaging import open_image
from easel.providers.request import ImageInput

from components import md_escape
from components.edit_inputs import SourceImage

__all__ = ["MaskResult", "mask_editor", "mask_from_canvas_value", "canvas_key", "CANVAS_MAX"]

CANVAS_MAX = 640      # px: fits the Edit page's wide column, so the canvas never scrolls sideways

_TOOLS = {"Brush": ("freedraw", masks.BRUSH_HEX), "Eraser": ("freedraw", masks.ERASER_HEX),
          "Rectangle": ("rect", masks.BRUSH_HEX)}


@dataclass
class MaskResult:
    mask: Image.Image          # at the source's exact size
    fraction: float            # share of the image that may be repainted

    @property
    def png(self) -> bytes:
        return masks.to_png(self.mask)

    def as_input(self) -> ImageInput:
        return ImageInput(data=self.png, name="mask.png", mime="image/png")


def canvas_key(key: str, source: SourceImage) -> str:
    return f"{key}.canvas.{source.id}"


def mask_editor(profile: Profile, source: SourceImage, *, image_count: int, key: str = "edit.mask") -> MaskResult | None:
    """Draw the painter; return the mask to send, or None (no mask: the whole image is open to change)."""
    if profile.mask is None:
        st.info(md_escape(profile.mask_note or f"{profile.label} documents no mask."), icon=":material/block:")
        st.caption("Reference-only edits still work: describe the change in the prompt.")
        return None
    if profile.mask_single_image_only and image_count > 1:
        st.info(md_escape(f"{profile.label} applies a mask to single-image edits only ({profile.doc}). "
                          "Remove the extra reference images to paint a mask."), icon=":material/block:")
        return None
    if profile.mask_single_image_only:
        st.caption(f"{md_escape(profile.label)} takes a mask with a single image only.")

    c1, c2 = st.columns([3, 2])
    tool = c1.radio("Tool", list(_TOOLS), horizontal=True, key=f"{key}.tool")
    invert = c2.toggle("Invert mask", key=f"{key}.invert", help="Repaint everything except what you painted.")
    width = st.slider("Brush size (px on the canvas)", 4, 120, 40, key=f"{key}.width", disabled=tool == "Rectangle")
    uploaded = st.file_uploader("Or upload a mask: a PNG whose transparent area is repainted, or black-and-white "
                                "where white is repainted", type=["png", "webp", "jpg", "jpeg"], key=f"{key}.upload")

    display = masks.display_copy(source.image, CANVAS_MAX, CANVAS_MAX)
    mode, color = _TOOLS[tool]
    value = _draw_canvas(display, source, mode, color, width, key)
    if uploaded is not None:
        try:
            mask = masks.normalize_external(open_image(uploaded.getvalue()), source.size)
        except EaselError as err:
            st.error(md_escape(err.user_message()))
            return None
        st.caption("The uploaded mask replaces the painting.")
    else:
        mask = mask_from_canvas_value(value, display.size, source.size)
    if invert:
        mask = masks.invert(mask)
    fraction = masks.repaint_fraction(mask)
    st.image(masks.overlay(display, mask), width=360, caption="Preview: the tinted area is repainted, the rest is kept")
    if fraction == 0.0:
        st.caption("Nothing painted: no mask is sent, and the model may change the whole image.")
        return None
    st.caption(f"{fraction:.1%} of the image will be repainted. Mask: {source.size[0]}×{source.size[1]} PNG.")
    return MaskResult(mask, fraction)


def _draw_canvas(display: Image.Image, source: SourceImage, mode: str, color: str, width: int, key: str) -> dict:
    """Render the canvas and return its saved value: {"json", "png", "fit"} for this source."""
    from streamlit_drawable_canvas import st_canvas     # importing it outside a Streamlit run raises

    saved_key, init_key, ckey = f"{key}.saved", f"{key}.initial", canvas_key(key, source)
    saved = st.session_state.get(saved_key)
    if not saved or saved.get("source") != source.id:
        saved = {"source": source.id, "json": None, "png": None, "fit": None}
    if ckey not in st.session_state:          # fresh mount: restore the last drawing once
        st.session_state[init_key] = saved["json"]
    st.caption("Paint where the image should change. Hover the canvas for undo, redo and clear.")
    result = st_canvas(
        fill_color=color, stroke_width=1 if mode == "rect" else width, stroke_color=color,
        background_image=display, background_image_fit="contain", width=display.width, height=display.height,
        drawing_mode=mode, initial_drawing=st.session_state.get(init_key), return_image_data=True, key=ckey,
    )
    if result.json_data is not None:
        objects = (result.json_data or {}).get("objects") or []
        png = result.image_bytes if objects else None
        if png is None and objects and (saved["json"] or {}).get("objects") == objects:
            png = saved["png"]                 # remounted canvas: nothing sent yet, the saved strokes still hold
        saved = {"source": source.id, "json": result.json_data, "png": png,
                 "fit": result.background_fit or saved.get("fit")}
    st.session_state[saved_key] = saved
    return saved


def mask_from_canvas_value(value: dict, display_size: tuple[int, int], source_size: tuple[int, int]) -> Image.Image:
    """The mask at the source's size from the saved canvas value (an empty mask if nothing is painted)."""
    if not value.get("png"):
        return masks.empty_mask(source_size)
    strokes = Image.open(io.BytesIO(value["png"]))
    fit = value.get("fit")
    if not fit or (round(fit["natural_width"]), round(fit["natural_height"])) != tuple(display_size):
        # Not reported yet (or for an older copy): the canvas places the copy by the same "contain" rule.
        fit = masks.contain_fit(strokes.width, strokes.height, *display_size)
    return masks.strokes_to_mask(strokes, fit, source_size)
