"""The lightbox: one image of a grid, large, in an `st.dialog`, with everything that can be done with it.

Clicking a thumbnail in any grid drawn by `components.gallery.render_gallery` (Generate's and Edit's results
through `job_view`, the Gallery page) opens it. It shows:

- the image, as a cached thumbnail of at most `LIGHTBOX_SIDE` px a side (so the browser never gets a
  multi-MB original), boxed to the window's height;
- the prompt and any revised prompt, as plain text (`st.text`: a prompt is user text, never markdown);
- the settings (provider, model, size, quality, the request's other parameters), cost and latency;
- downloads of the full stored image as PNG / JPEG / WebP, with the prompt and parameters as metadata;
- Edit this, Use as reference, Reuse settings and Delete…: the actions of `components.image_actions`, which set
  `easel.edit_source`, `easel.references` and `easel.reuse` in session_state and switch page;
- Previous / Next buttons (arrows), and the keyboard's ← / → keys, stepping through the images of the same grid;
  at either end the button is disabled (no wrapping round).

Public API
----------
`open_lightbox(key, image_id)`
    An `on_click` callback: open the lightbox of grid `key` on that image.
`close_lightbox()`
    Close it (also its `on_dismiss`, and what the actions call when they leave nothing to show).
`is_open() -> bool`
    Whether a lightbox is open in this session. `components.notifier` holds its toasts back meanwhile, so a
    toast never covers the lightbox's buttons. One left open on a page the user has left (the browser's Back
    button) counts as closed from the second run after it was last drawn.
`count_run()`
    Count a full script run; the notifier calls it once at the start of each (what `is_open` measures by).
`show_lightbox(images, *, key, store)`
    Draw the dialog if it is open on one of `images` for grid `key`; call it after drawing that grid, every
    run. `images` are the grid's `ImageRow`s in order (what Previous / Next step through). A grid whose open
    image left it (deleted, filtered or paged away) closes the lightbox.
`DIALOG`
    The session_state key holding `(grid key, image id)` while a lightbox is open.

Widget keys, for tests: `{key}.{image_id}.open` (the button over a thumbnail in a result grid; on the Gallery
page a tile of the grid component sends its id as the trigger `open`, components/gallery_grid.py), and inside
the dialog
`{key}.lb.prev`, `{key}.lb.next`, `{key}.{image_id}.lb.dl.png|jpg|webp`, `.edit`, `.ref`, `.reuse`, `.del`, and
after Delete… `.yes` / `.no`.

Streamlit draws one dialog per script run and a dialog is a fragment: Previous / Next rerun only the dialog,
which reads the image to show from `DIALOG` each time rather than from its arguments.

Also drawn: toasts are hidden by CSS while any dialog is open (one shown just before it opened would sit on its
top-right corner), and the image is boxed to the window's height so every button stays in view at 1366×768.
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _, format_datetime, format_decimal
from easel.media import thumbnails

from components import css, image_organize, prompt_library, services, team_share
from components.image_actions import (DIALOG, FORMATS, close_dialog, delete_image, download_bytes, edit_this,
                                      file_name, job_cost, reuse_settings, shown_size, use_as_reference)

__all__ = ["DIALOG", "LIGHTBOX_SIDE", "open_lightbox", "close_lightbox", "is_open", "count_run", "show_lightbox"]

LIGHTBOX_SIDE = 1024

# The image is boxed to the window so the buttons stay in view at 1366×768; toasts never show over a dialog
# (components.notifier also holds new ones back while it is open).
_CSS = """
[class*="st-key-easel-lightbox-image"] [data-testid="stImage"] img {
  max-height: calc(100vh - 12rem); width: auto !important; max-width: 100%; object-fit: contain; margin: 0 auto; }
[class*="st-key-easel-lightbox-image"] { align-items: center; }
[class*="st-key-easel-lightbox-nav"] [data-testid="stText"] { font-size: 0.9rem; }
[class*="st-key-easel-lightbox-info"] [data-testid="stText"] { font-size: 0.85rem; }
body:has([data-testid="stDialog"] [role="dialog"]) [data-testid="stToastContainer"] { display: none; }
[data-testid="stElementContainer"]:has(.easel-lightbox-keys) { display: none !important; }
"""

# ← / → click the dialog's Previous / Next buttons (not while typing in a field). Installed once per browser tab.
_KEYS_JS = """<span class="easel-lightbox-keys"></span><script>
(() => {
  if (window.__easelLightboxKeys) return;
  window.__easelLightboxKeys = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
    const dialog = document.querySelector("[data-testid='stDialog'] [role='dialog']");
    if (!dialog) return;
    const which = event.key === "ArrowLeft" ? "prev" : "next";
    const button = dialog.querySelector(`[class*="-lb-${which}"] button`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  }, true);
})();
</script>"""


# Whether it is really open: a page left without closing it (the browser's Back button) leaves DIALOG set while
# no grid draws it. So the full runs are counted (`count_run`, by the notifier, once per run) and DIALOG is kept
# while it was opened for, or drawn in, the run before the current one at least.
_RUNS = "easel.runs"
_SEEN = "easel.gallery.dialog_seen"


def count_run() -> None:
    """Count one full script run of this session (components.notifier calls it at the start of each)."""
    st.session_state[_RUNS] = st.session_state.get(_RUNS, 0) + 1


def open_lightbox(key: str, image_id: int) -> None:
    st.session_state[DIALOG] = (key, image_id)
    st.session_state[_SEEN] = st.session_state.get(_RUNS, 0) + 1          # the run this click starts


def close_lightbox() -> None:
    close_dialog()


def is_open() -> bool:
    if not st.session_state.get(DIALOG):
        return False
    runs = st.session_state.get(_RUNS, 0)
    if st.session_state.get(_SEEN, runs) < runs - 1:
        close_dialog()                      # left behind on another page: nothing draws it
        return False
    return True


def _step(key: str, image_id: int) -> None:
    st.session_state.pop(f"{key}.confirm", None)
    st.session_state[DIALOG] = (key, image_id)


def _settings_lines(row, job) -> list[str]:
    size = shown_size(row.size, row.width, row.height)
    lines = [" · ".join(x for x in (row.provider, row.model or (job.model if job else None)) if x),
             " · ".join(x for x in (size, _("quality {quality}").format(quality=row.quality) if row.quality else "")
                        if x)]
    if job is not None:
        # The request's other settings that say something: not the defaults left empty or off, nor n=1.
        params = {k.rstrip("_"): v for k, v in job.params.items()
                  if k not in ("images", "mask", "prompt", "size", "quality", "model", "provider")
                  and v not in (None, "", False, {}, []) and not (k == "n" and v == 1)}
        if params:
            lines.append(" · ".join(f"{k}={v}" for k, v in sorted(params.items())))
        cost = job_cost(job)
        latency = (_("{seconds} s").format(seconds=format_decimal(job.latency_s, 1))
                   if job.latency_s is not None else "")
        lines.append(" · ".join(x for x in (_("{cost} per image").format(cost=cost) if cost else "", latency) if x))
    # For reading, in the viewer's time zone and the locale's style (file names keep their machine stamp).
    lines.append(format_datetime(row.created_at, "short"))
    return [line for line in lines if line]


def _may_delete(job) -> bool:
    who = services.viewer()
    return who.single or job is None or job.owner in ("", who.id)


def _lightbox(key: str, ids: tuple[int, ...], store) -> None:
    opened = st.session_state.get(DIALOG)
    if not opened or opened[0] != key or opened[1] not in ids:
        # An action closed it from a callback; inside the dialog's own rerun only a full rerun removes it.
        st.rerun()
    image_id = opened[1]
    row = store.get_image(image_id)
    if row is None or row.deleted:
        close_dialog()
        st.rerun()
    job = store.get_job(row.job_id)
    at = ids.index(image_id)
    ck = f"{key}.{row.id}"
    css.style(_CSS)
    left, right = st.columns([3, 2], gap="medium")
    with left, st.container(key="easel-lightbox-image"):
        try:
            thumb = thumbnails.thumbnail(store, row, LIGHTBOX_SIDE)
        except Exception as err:  # noqa: BLE001 - a missing or unreadable file: the rest still works
            st.warning(_("Image unreadable ({error})").format(error=type(err).__name__),
                       icon=":material/broken_image:")
        else:
            st.image(thumb.data, width="content", output_format=thumb.format,
                     alt=(row.prompt or "")[:200] or None)
    with right:
        with st.container(horizontal=True, vertical_alignment="center", key="easel-lightbox-nav"):
            st.button(_("Previous"), key=f"{key}.lb.prev", icon=":material/arrow_back:", on_click=_step,
                      args=(key, ids[at - 1] if at > 0 else image_id), disabled=at == 0,
                      help=_("Previous image (←)"))
            st.text(_("{at} of {count}").format(at=at + 1, count=len(ids)), width="content")
            st.button(_("Next"), key=f"{key}.lb.next", icon=":material/arrow_forward:", on_click=_step,
                      args=(key, ids[at + 1] if at + 1 < len(ids) else image_id), disabled=at + 1 >= len(ids),
                      help=_("Next image (→)"))
        with st.container(key="easel-lightbox-info", gap="small"):
            st.text(row.prompt or (job.prompt if job else ""))
            if row.revised_prompt:
                st.caption(_("Revised prompt"))
                st.text(row.revised_prompt)
            st.text("\n".join(_settings_lines(row, job)))
        with st.container(horizontal=True, gap="small"):
            for label in FORMATS:
                ext, mime = FORMATS[label]
                st.download_button(label, data=lambda r=row, f=ext: download_bytes(store, r, f),
                                   file_name=file_name(row, ext), mime=mime, key=f"{ck}.lb.dl.{ext}",
                                   on_click="ignore", icon=":material/download:")
        image_organize.organize(store, row, key=f"{ck}.lb")        # Star · Boards · Share… (one-line hook)
        team_share.share_result_toggle(store, [job], key=f"{ck}.lb")   # its job, for its owner when signed in
        if st.button(_("Edit this"), key=f"{ck}.edit", on_click=edit_this, args=(row.id,), width="stretch",
                     icon=":material/edit:"):
            close_dialog()
            st.switch_page("pages/edit.py")
        st.button(_("Use as reference"), key=f"{ck}.ref", on_click=use_as_reference, args=(row.id,), width="stretch",
                  icon=":material/add_photo_alternate:")
        if job is not None and st.button(_("Reuse settings"), key=f"{ck}.reuse", on_click=reuse_settings, args=(job,),
                                         width="stretch", icon=":material/replay:"):
            close_dialog()
            st.switch_page("pages/generate.py")
        prompt_library.save_job_popover(store, job, key=ck)      # the prompt library (components/prompt_library.py)
        # Another person's shared result: theirs to delete, not the team's (no Delete… here).
        deletable = _may_delete(job)
        if deletable and st.session_state.get(f"{key}.confirm") == row.id:
            st.warning(_("Delete this image from the gallery?"))
            c1, c2 = st.columns(2)
            c1.button(_("Delete"), key=f"{ck}.yes", type="primary", on_click=delete_image, args=(store, row.id, key),
                      width="stretch")
            c2.button(_("Keep"), key=f"{ck}.no", on_click=lambda: st.session_state.pop(f"{key}.confirm", None),
                      width="stretch")
        elif deletable:
            st.button(_("Delete…"), key=f"{ck}.del", width="stretch", icon=":material/delete:",
                      on_click=lambda: st.session_state.__setitem__(f"{key}.confirm", row.id))
    st.html(_KEYS_JS, unsafe_allow_javascript=True)


def show_lightbox(images, *, key: str, store) -> None:
    opened = st.session_state.get(DIALOG)
    if not opened or opened[0] != key:
        return
    ids = tuple(row.id for row in images)
    if opened[1] not in ids:
        close_dialog()                     # its image left this grid (deleted, filtered, paged away)
        return
    st.session_state[_SEEN] = st.session_state.get(_RUNS, 0)
    # Decorated here, not at import: the dialog's title follows the session's language. Its fragment is named
    # by the function, so it is the same dialog on every run.
    st.dialog(_("Image"), width="large", on_dismiss=close_lightbox)(_lightbox)(key, ids, store)
