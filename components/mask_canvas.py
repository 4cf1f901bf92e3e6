"""The mask painter: streamlit-drawable-canvas over a page-sized copy of the source, mapped back to its pixels.

Layout: one toolbar row (tool, brush size, undo, clear, invert, mask file) right above one canvas, and a caption
under it that says how much will be repainted. There is no second preview: strokes are a translucent tint
(`masks.BRUSH_RGBA`), and the pointer is a ring the size of the brush (`_canvas_style`).

Persistence: the canvas reloads its drawing (and resets its undo history) whenever `initial_drawing` changes,
so the drawing is NOT fed back on every run. It is saved after each run and handed to the canvas only when the
canvas mounts afresh (first visit, page switch, new source): that is when the canvas's key is absent from
session state. The strokes image is saved with it, because a freshly mounted canvas sends nothing back until the
next stroke. Undo and Clear hand the canvas a new `initial_drawing` (with a revision number, so the same drawing
twice still counts as a change); the canvas loads it and sends its strokes back, and until then the value it
still reports (the drawing before) is ignored.
"""

from __future__ import annotations

import io
import re
import urllib.parse
from dataclasses import dataclass

import streamlit as st
from PIL import Image

from easel.media import masks
from easel.providers.catalog import Profile
from easel.core.errors import EaselError
from easel.core.i18n import N_, _, format_percent
from easel.media.imaging import open_image
from easel.providers.request import ImageInput

from components import md_escape
from components.edit_inputs import SourceImage
from components.errors_view import show_error

__all__ = ["MaskResult", "mask_editor", "mask_from_canvas_value", "canvas_key", "CANVAS_W", "CANVAS_H"]

# The canvas's box in px. 620 wide fills the Edit page's left column at 1366×768 (a landscape source is shown at
# 620×413, entirely in the first screen); 560 high lets a square or portrait source be as large as the column
# allows without pushing its lower half far below the fold.
CANVAS_W, CANVAS_H = 620, 560

# tool → (canvas drawing mode, colour, the toolbar's label: short, so the whole toolbar is one row at 1366 px)
_TOOLS = {"Brush": ("freedraw", masks.BRUSH_RGBA, N_("Brush")),
          "Eraser": ("freedraw", masks.ERASER_RGBA, N_("Eraser")),
          "Rectangle": ("rect", masks.BRUSH_RGBA, N_("Box"))}


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


def _objects(drawing: dict | None) -> list:
    return list((drawing or {}).get("objects") or [])


def _replace_drawing(key: str, source_id: str, objects: list) -> None:
    """Undo / Clear (a button callback): hand the canvas this drawing and forget the strokes image until the canvas
    sends the new one. The canvas's own value (the drawing before) is ignored until it changes."""
    saved = st.session_state.get(f"{key}.saved") or {}
    if saved.get("source") != source_id:
        return
    rev = int((st.session_state.get(f"{key}.initial") or {}).get("easel_rev", 0)) + 1
    drawing = {**(saved.get("json") or {}), "objects": objects, "easel_rev": rev}
    st.session_state[f"{key}.initial"] = drawing
    st.session_state[f"{key}.saved"] = {**saved, "json": drawing, "png": None,
                                        "stale": _objects(saved.get("json"))}


def _undo(key: str, source_id: str) -> None:
    objects = _objects((st.session_state.get(f"{key}.saved") or {}).get("json"))
    _replace_drawing(key, source_id, objects[:-1])


def _clear(key: str, source_id: str) -> None:
    _replace_drawing(key, source_id, [])


def mask_editor(profile: Profile, source: SourceImage, *, image_count: int, key: str = "edit.mask") -> MaskResult | None:
    """Draw the toolbar and the canvas; return the mask to send, or None (no mask: the whole image may change)."""
    if profile.mask is None:
        st.info(md_escape(profile.mask_note or _("{provider} documents no mask.").format(provider=profile.label)),
                icon=":material/block:")
        st.caption(_("Reference-only edits still work: describe the change in the prompt."))
        st.image(masks.display_copy(source.image, CANVAS_W, CANVAS_H))
        return None
    if profile.mask_single_image_only and image_count > 1:
        st.info(md_escape(_("{provider} applies a mask to single-image edits only, as its documentation says. "
                            "Remove the extra reference images to paint a mask.").format(provider=profile.label)),
                icon=":material/block:")
        st.image(masks.display_copy(source.image, CANVAS_W, CANVAS_H))
        return None

    uploaded, tool, width, invert = _toolbar(profile, source, key)
    display = masks.display_copy(source.image, CANVAS_W, CANVAS_H)
    if uploaded is not None:
        try:
            mask = masks.normalize_external(open_image(uploaded.getvalue()), source.size)
        except EaselError as err:
            show_error(err)
            return None
        if invert:
            mask = masks.invert(mask)
        st.image(masks.overlay(display, mask, opacity=masks.STROKE_ALPHA))   # in the canvas's place, same size
        st.caption(_("The uploaded mask replaces the painting (remove it under Mask file to paint again)."))
    else:
        mode, color, _label = _TOOLS[tool]
        value = _draw_canvas(display, source, mode, color, width, key)
        mask = mask_from_canvas_value(value, display.size, source.size)
        if invert:
            mask = masks.invert(mask)
        _canvas_style(canvas_key(key, source), width if mode == "freedraw" else None, eraser=tool == "Eraser")
    fraction = masks.repaint_fraction(mask)
    if fraction == 0.0:
        st.caption(_("Paint where the image should change. Nothing painted: no mask is sent, and the model may "
                     "change the whole image."))
        return None
    if invert:
        line = _("{share} of the image will be repainted (inverted: everything but the tint). "
                 "Mask: {width}×{height} PNG.")
    else:
        line = _("{share} of the image will be repainted. Mask: {width}×{height} PNG.")
    st.caption(line.format(share=format_percent(fraction, 1), width=source.size[0], height=source.size[1]))
    return MaskResult(mask, fraction)


def _painted(key: str, source: SourceImage) -> bool:
    """Whether this source has strokes, as of this run: the canvas's newest value (its widget state is already
    updated when the script starts), unless it is the stale one Undo/Clear replaced; else the saved drawing."""
    saved = st.session_state.get(f"{key}.saved") or {}
    if saved.get("source") != source.id:
        saved = {}
    raw = ((st.session_state.get(canvas_key(key, source)) or {}).get("drawing") or {}).get("raw")
    if raw is not None and _objects(raw) != saved.get("stale"):
        return bool(_objects(raw))
    return bool(_objects(saved.get("json")))


def _toolbar(profile: Profile, source: SourceImage, key: str):
    """The row above the canvas. Returns (uploaded mask file or None, tool, brush width, invert)."""
    painted = _painted(key, source)
    # xxsmall gaps: the row must stay one line at 1366 px with Korean labels too, which are the widest.
    with st.container(horizontal=True, vertical_alignment="center", gap="xxsmall", key=f"{key}.toolbar"):
        tool = st.segmented_control(
            _("Tool"), list(_TOOLS), default="Brush", required=True, key=f"{key}.tool", label_visibility="collapsed",
            format_func=lambda t: _(_TOOLS[t][2]))
        tool = tool or "Brush"
        width = st.slider(_("Brush size"), 4, 120, 40, key=f"{key}.width", disabled=tool == "Rectangle",
                          label_visibility="collapsed", width=90)
        st.button(_("Undo"), icon=":material/undo:", key=f"{key}.undo", on_click=_undo, args=(key, source.id),
                  disabled=not painted, help=_("Take back the last stroke."), type="tertiary")
        st.button(_("Clear"), icon=":material/delete:", key=f"{key}.clear", on_click=_clear, args=(key, source.id),
                  disabled=not painted, help=_("Remove every stroke."), type="tertiary")
        invert = st.toggle(_("Invert"), key=f"{key}.invert")
        with st.popover(_("Mask file"), icon=":material/upload_file:", help=_("Upload a mask made elsewhere.")):
            if profile.mask_single_image_only:
                st.caption(_("{provider} takes a mask with a single image only.").format(
                    provider=md_escape(profile.label)))
            uploaded = st.file_uploader(_("A PNG whose transparent area is repainted, or black-and-white where white "
                                          "is repainted. It is resized to the source."),
                                        type=["png", "webp", "jpg", "jpeg"], key=f"{key}.upload")
    return uploaded, tool, width, invert


def _draw_canvas(display: Image.Image, source: SourceImage, mode: str, color: str, width: int, key: str) -> dict:
    """Render the canvas and return its saved value: {"json", "png", "fit"} for this source."""
    from streamlit_drawable_canvas import st_canvas     # importing it outside a Streamlit run raises

    saved_key, init_key, ckey = f"{key}.saved", f"{key}.initial", canvas_key(key, source)
    saved = st.session_state.get(saved_key)
    if not saved or saved.get("source") != source.id:
        saved = {"source": source.id, "json": None, "png": None, "fit": None}
    if ckey not in st.session_state:          # fresh mount: restore the last drawing once
        st.session_state[init_key] = saved["json"]
    result = st_canvas(
        fill_color=color, stroke_width=1 if mode == "rect" else width, stroke_color=color,
        background_image=display, background_image_fit="contain", width=display.width, height=display.height,
        drawing_mode=mode, initial_drawing=st.session_state.get(init_key), return_image_data=True, key=ckey,
    )
    objects = _objects(result.json_data)
    stale = saved.get("stale")
    if result.json_data is not None and not (stale is not None and objects == stale):
        png = result.image_bytes if objects else None
        if png is None and objects and _objects(saved["json"]) == objects:
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


# --- the pointer and the canvas's own hover toolbar ------------------------------------------------------------
# The canvas has no cursor option: Fabric sets "crosshair" on its upper canvas element, inside the component's
# shadow root, where page CSS does not reach. This tiny component adds one <style> to that shadow root (found by
# the canvas's st-key class): a cursor drawn as a ring of the brush's diameter (dashed for the eraser), and the
# canvas's own hover toolbar (undo, redo, reset) moved from above the canvas, where it would cover this toolbar
# row, to just below it. If it cannot find the canvas, nothing changes: a crosshair, and the toolbar above.
# The canvas words its toolbar's tooltips in English and offers no option for them, so the same component
# rewords them (title and aria-label) in the session's language, matching each button by its English label,
# which it keeps in a data attribute so a later language switch finds it again.

# The canvas toolbar's English labels (streamlit-drawable-canvas 0.13, frontend `Qh`) → Easel's wording. Its
# "Edit" is a mode for selecting and moving strokes, not Easel's Edit page, so it gets its own message.
_CANVAS_TOOLBAR = {
    "Update the app with this drawing": N_("Update the app with this drawing"),
    "Undo": N_("Undo"),
    "Redo": N_("Redo"),
    "Edit": N_("Select and move strokes"),
    "Bring forward": N_("Bring forward"),
    "Send backward": N_("Send backward"),
    "Delete selected": N_("Delete the selected stroke"),
    "Reset canvas & history": N_("Reset the canvas and its history"),
}

_STYLE_JS = """
export default function (component) {
  const { data } = component;
  const apply = () => {
    const host = document.querySelector(`.${data.container} [data-testid="stBidiComponentIsolated"]`);
    const root = host && host.shadowRoot;
    if (!root || !root.querySelector(".upper-canvas")) return false;
    let style = root.getElementById("easel-canvas-style");
    if (!style) {
      style = document.createElement("style");
      style.id = "easel-canvas-style";
      root.appendChild(style);
    }
    style.textContent = data.css;
    for (const button of root.querySelectorAll(".dc-toolbar button")) {
      const english = button.dataset.easelEn || button.getAttribute("aria-label") || "";
      button.dataset.easelEn = english;
      const shown = (data.titles || {})[english] || english;
      button.title = shown;
      button.setAttribute("aria-label", shown);
    }
    return true;
  };
  let tries = 0;
  const retry = () => { if (!apply() && ++tries < 100) setTimeout(retry, 100); };
  retry();
}
"""
_TOOLBAR_BELOW = (".dc-toolbar, .dc-root:hover > .dc-toolbar, .dc-toolbar:hover, .dc-toolbar:focus-within, "
                  ".dc-toolbar[data-pinned=true] { top: 100% !important; padding-top: .25rem; }")
_style_component = None


def _canvas_css(diameter: int | None, *, eraser: bool) -> str:
    """The stylesheet for the canvas's shadow root: the toolbar below, and a ring cursor for the brush tools."""
    if diameter is None:
        return _TOOLBAR_BELOW
    d = max(4, min(int(diameter), 124))           # browsers ignore cursor images over 128 px
    size = d + 4
    c = size // 2
    dash = " stroke-dasharray='4 3'" if eraser else ""
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}'>"
           f"<circle cx='{c}' cy='{c}' r='{d / 2}' fill='none' stroke='black' stroke-width='2'{dash}/>"
           f"<circle cx='{c}' cy='{c}' r='{d / 2}' fill='none' stroke='white' stroke-width='1'{dash}/>"
           f"<circle cx='{c}' cy='{c}' r='1' fill='black'/></svg>")
    url = "data:image/svg+xml," + urllib.parse.quote(svg)
    return _TOOLBAR_BELOW + f' .upper-canvas {{ cursor: url("{url}") {c} {c}, crosshair !important; }}'


def _canvas_style(ckey: str, diameter: int | None, *, eraser: bool) -> None:
    global _style_component
    if _style_component is None:
        _style_component = st.components.v2.component("easel.canvas_style", js=_STYLE_JS)
    container = "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", ckey.strip())     # Streamlit's own rule for the class
    _style_component(data={"container": container, "css": _canvas_css(diameter, eraser=eraser),
                           "titles": canvas_toolbar_titles()},
                     key=f"{ckey}.style", height=0)


def canvas_toolbar_titles() -> dict[str, str]:
    """The canvas toolbar's English labels → their tooltips in the session's language."""
    return {english: _(message) for english, message in _CANVAS_TOOLBAR.items()}
