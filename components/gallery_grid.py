"""The Gallery page's grid as ONE element: a Streamlit Components v2 component (drawn in the app's own page, not
an iframe) that lays out a page of tiles (a square thumbnail and three caption lines each) and sends back the id
of the tile clicked, or chosen with the keyboard (every tile is a button: Tab to it, Enter opens), which opens
the lightbox (components/lightbox.py) on it.

Why one element: Streamlit's cost is per element. 48 `st.image`s read, check, hash and register their files on
every rerun, and each tile's button and caption add more (benchmarks/bench_media_floor.py); as one element a
page costs about what an empty one does (BENCHMARKS.md, issue 15).

How the thumbnails reach the browser: as base64 in the component's data, only those this session's browser
tab has not been sent yet. The tab keeps each one as a blob URL (`window.__easelThumbs`), so a rerun sends
the tiles' ids and captions alone and reads no file. Should the tab lack one anyway (a render it never drew),
it reports the missing keys (trigger `missing`) and the next run sends them again. The base64 text is kept
in-process by thumbnail (`_B64`, bounded), so a new session's first view reads each file once.

Prompts are user text: the script sets them with `textContent` and `alt`, never as HTML, and Python never
puts them into markup (tests/app/test_gallery_page.py shows an `<img onerror>` prompt as text).
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict

import streamlit as st

from easel.media import thumbnails

from components import lightbox
from components.image_actions import caption_lines

__all__ = ["render_tiles", "tile_data", "SENT", "component_key", "clear_cache"]

SENT = "easel.gallery.thumbs_sent"     # session_state: the thumbnail keys this session's tab holds

_CSS = """
:host { display: block; }
.wrap { container-type: inline-size; }
.grid { display: grid; grid-template-columns: repeat(var(--cols, 6), minmax(0, 1fr)); gap: 1rem;
  font-family: var(--st-font); color: var(--st-text-color); }
.tile { border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: 0.5rem;
  padding: 0.5rem; min-width: 0; display: flex; flex-direction: column; gap: 1rem; }
.open { all: unset; box-sizing: border-box; display: block; width: 100%; aspect-ratio: 1 / 1; cursor: zoom-in;
  border-radius: 0.25rem; background: rgba(128, 128, 128, 0.12); overflow: hidden; position: relative; }
.open:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 2px; }
.open:hover img { filter: brightness(1.06); }
.open img { width: 100%; height: 100%; object-fit: contain; display: block; }
.open .broken { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 0.5rem; font-size: 0.8rem; text-align: center; opacity: 0.8; }
.lines { font-size: 0.8rem; line-height: 1.4; }
.lines div { white-space: pre; overflow: hidden; text-overflow: ellipsis; min-height: 1.4em; }
@container (max-width: 860px) { .grid.wide { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@container (max-width: 620px) { .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
"""

# Every value from Python is placed with textContent / alt / dataset, so a prompt can never become markup.
_JS = """
const CACHE = (window.__easelThumbs = window.__easelThumbs || new Map());   // thumbnail key -> blob URL
const SEEN = new WeakMap();                                                   // parentElement -> last signature

function blobUrl(b64, mime) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: mime }));
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  if (!Array.isArray(component.data)) return;
  const [columns, rows, thumbs] = component.data;
  const tiles = rows.map(([id, thumb, lines, error]) => ({ id, thumb, lines, error, alt: lines[0] || "" }));
  const data = { columns, tiles, thumbs };
  for (const [key, item] of Object.entries(data.thumbs || {})) {
    if (!CACHE.has(key)) CACHE.set(key, blobUrl(item.b64, item.mime));
  }
  const missing = data.tiles.filter((t) => t.thumb && !CACHE.has(t.thumb)).map((t) => t.thumb);
  if (missing.length) {
    setTriggerValue("missing", missing);
  }
  const signature = JSON.stringify([columns, rows]) + "|" + missing.join(",");
  if (SEEN.get(parentElement) === signature) return;
  SEEN.set(parentElement, signature);

  let grid = parentElement.querySelector(".grid");
  if (!grid) {
    const wrap = document.createElement("div");
    wrap.className = "wrap";
    grid = document.createElement("div");
    grid.setAttribute("role", "list");
    wrap.appendChild(grid);
    parentElement.appendChild(wrap);
    // A native <button> per tile: focusable, and Enter / Space click it.
    grid.addEventListener("click", (event) => {
      const button = event.target.closest("button.open");
      if (button) grid.easelTrigger("open", Number(button.dataset.id));
    });
  }
  grid.easelTrigger = setTriggerValue;
  grid.className = "grid" + (data.columns >= 5 ? " wide" : "");
  grid.style.setProperty("--cols", String(data.columns));
  const cards = data.tiles.map((t) => {
    const tile = document.createElement("div");
    tile.className = "tile";
    tile.setAttribute("role", "listitem");
    tile.dataset.id = String(t.id);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    open.dataset.id = String(t.id);
    open.title = t.alt || "Open";
    if (t.thumb && CACHE.has(t.thumb)) {
      const img = document.createElement("img");
      img.alt = t.alt || "Image " + t.id;
      img.src = CACHE.get(t.thumb);
      img.decoding = "async";
      open.appendChild(img);
    } else {
      const broken = document.createElement("span");
      broken.className = "broken";
      broken.textContent = t.error || "Loading…";
      open.setAttribute("aria-label", (t.alt || "Image " + t.id) + " (" + broken.textContent + ")");
      open.appendChild(broken);
    }
    tile.appendChild(open);
    const lines = document.createElement("div");
    lines.className = "lines";
    for (const line of t.lines) {
      const div = document.createElement("div");
      div.textContent = line || " ";     // a blank line keeps its height, so the cards of a row line up
      if (line) div.title = line;
      lines.appendChild(div);
    }
    tile.appendChild(lines);
    return tile;
  });
  grid.replaceChildren(...cards);
}
"""

_GRID = st.components.v2.component("easel_gallery_grid", css=_CSS, js=_JS)

# base64 text of thumbnails, by thumbnail key, most recently used last; bounded so a long-lived server with a
# big gallery keeps at most ~this many characters.
_B64: OrderedDict[str, tuple[str, str]] = OrderedDict()
_B64_LIMIT = 48 * 1024 * 1024
_b64_size = 0
_b64_lock = threading.Lock()


def _thumb_key(row, side: int) -> str:
    return f"{row.sha256}-{side}"


def _encoded(store, row, side: int) -> tuple[str, str]:
    """(base64, mime) of the row's thumbnail, from the in-process cache or read (and made if need be) once."""
    global _b64_size
    key = _thumb_key(row, side)
    with _b64_lock:
        hit = _B64.get(key)
        if hit is not None:
            _B64.move_to_end(key)
            return hit
    path = thumbnails.thumbnail_path(store, row, side)
    item = (base64.b64encode(path.read_bytes()).decode("ascii"),
            "image/png" if path.suffix == ".png" else "image/jpeg")
    with _b64_lock:
        if key not in _B64:
            _B64[key] = item
            _b64_size += len(item[0])
            while _b64_size > _B64_LIMIT and len(_B64) > 1:
                _, (old, _mime) = _B64.popitem(last=False)
                _b64_size -= len(old)
    return item


def clear_cache() -> None:
    """Forget the in-process base64 text (tests; a thumbnail file replaced under the same content hash)."""
    global _b64_size
    with _b64_lock:
        _B64.clear()
        _b64_size = 0


def component_key(key: str) -> str:
    return f"{key}.tiles"


def _on_open(key: str) -> None:
    value = (st.session_state.get(component_key(key)) or {}).get("open")
    if value is not None:
        lightbox.open_lightbox(key, int(value))


def _on_missing(key: str) -> None:
    missing = (st.session_state.get(component_key(key)) or {}).get("missing") or []
    sent = st.session_state.get(SENT)
    if sent is not None:
        sent.difference_update(str(m) for m in missing)


def tile_data(store, images, jobs, *, columns: int, side: int = thumbnails.TILE_SIDE) -> dict:
    """What the component draws: every tile's id, thumbnail key, alt text and caption lines, and the base64 of
    the thumbnails this session has not sent yet (which are then counted as sent)."""
    sent: set[str] = st.session_state.setdefault(SENT, set())
    tiles, thumbs = [], {}
    for row in images:
        # [id, thumbnail key or None, caption lines (the first, the prompt, is the alt text too), error or None]
        thumb, error = _thumb_key(row, side), None
        if thumb not in sent and thumb not in thumbs:
            try:
                b64, mime = _encoded(store, row, side)
            except Exception as err:  # noqa: BLE001 - a missing or unreadable file: say so in its tile, draw the rest
                thumb, error = None, f"Image unreadable ({type(err).__name__})"
            else:
                thumbs[thumb] = {"b64": b64, "mime": mime}
        tiles.append([row.id, thumb, caption_lines(row, jobs.get(row.job_id)), error])
    sent.update(thumbs)
    return {"columns": columns, "tiles": tiles, "thumbs": thumbs}


def _payload(data: dict) -> list:
    # A list, not a dict: Streamlit scans a dict's values for dataframes to send as Arrow, on every run.
    return [data["columns"], data["tiles"], data["thumbs"]]


def render_tiles(store, images, jobs, *, key: str, columns: int) -> None:
    """The grid of `images` (ImageRows, in order) as one component; a click opens grid `key`'s lightbox."""
    _GRID(key=component_key(key), data=_payload(tile_data(store, images, jobs, columns=columns)),
          on_open_change=lambda: _on_open(key), on_missing_change=lambda: _on_missing(key))
