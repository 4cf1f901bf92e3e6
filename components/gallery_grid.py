"""The Gallery page's grid as ONE element: a Streamlit Components v2 component (drawn in the app's own page, not
an iframe) that lays out a page of tiles (a square thumbnail and three caption lines each) and sends back the id
of the tile clicked, or chosen with the keyboard (every tile is a button: Tab to it, Enter opens), which opens
the lightbox (components/lightbox.py) on it. With a `Pager`, the page navigation is part of the same element:
‹ Prev · Page 2 of 5 · Next › and the count above the tiles, the pager again below them when there is another
page; its native buttons send the trigger `page` ("prev" | "next") and the pager's callbacks (pages/gallery.py:
the keyset cursor) run before the next script run, as a Streamlit button's on_click does.

Captions are kept in-process by (image id, job updated_at); given the jobs' versions (read with the page's rows,
`Store.list_images_versioned`), a rerun reads no job, and a job that changed is read again alone.

Why one element: Streamlit's cost is per element. 48 `st.image`s read, check, hash and register their files on
every rerun, and each tile's button and caption add more; this grid of 48 costs a rerun about what one
`st.info` does (benchmarks/bench_media_floor.py, BENCHMARKS.md issue 15).

How the thumbnails reach the browser: as bytes in the component's data (`encode`: a JSON header, then the
JPEGs as they are), only those this session's browser tab has not been sent yet. The tab keeps each one as a
blob URL (`window.__easelThumbs`, at most 2000, least recently shown first out), so a rerun sends the tiles' ids
and captions alone and reads no file. Should the tab lack one anyway (evicted, or a render it never drew), it
reports the missing keys (trigger `missing`) and the next run sends them again. The bytes are kept in-process by thumbnail (`_BYTES`, bounded), so a new session's first
view reads each file once. No URL is made: nothing but this tab can fetch a thumbnail.

Prompts are user text: the script sets them with `textContent` and `alt`, never as HTML, and Python never
puts them into markup (tests/app/test_gallery_page.py shows an `<img onerror>` prompt as text).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from easel.core import identity
from easel.core.i18n import _, current_language
from easel.media import thumbnails

from components import lightbox
from components.image_actions import caption_lines

__all__ = ["render_tiles", "tile_data", "encode", "decode", "Pager", "SENT", "component_key", "clear_cache",
           "texts"]

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
/* The pager: Streamlit's secondary buttons, drawn here so a page's navigation is part of its one element. */
.bar { display: flex; align-items: center; gap: 0.5rem 1.5rem; flex-wrap: wrap; font-family: var(--st-font);
  color: var(--st-text-color); font-size: var(--st-base-font-size, 1rem); }
.bar.top { margin-bottom: 1rem; }
.bar.bottom { margin-top: 1rem; }
.bar[hidden] { display: none; }
.pager { display: flex; align-items: center; gap: 0.5rem; }
.pager button { font: inherit; color: inherit; background: var(--st-background-color, transparent);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: var(--st-base-radius, 0.5rem);
  min-height: 2.5rem; padding: 0.25rem 0.75rem; cursor: pointer; line-height: 1.6; }
.pager button:hover:not(:disabled) { border-color: var(--st-primary-color); color: var(--st-primary-color); }
.pager button:focus-visible { outline: 2px solid var(--st-primary-color); outline-offset: 1px; }
.pager button:disabled { cursor: not-allowed; opacity: 0.4; }
"""

# Every value from Python is placed with textContent / alt / dataset, so a prompt can never become markup.
_JS = """
const CACHE = (window.__easelThumbs = window.__easelThumbs || new Map());   // thumbnail key -> blob URL
const SEEN = new WeakMap();                                                   // parentElement -> last signature
// At most this many thumbnails kept (~13–25 KB each), least recently shown first out; the page on screen is
// never evicted. One evicted and shown again is reported missing and sent again. (A test lowers it.)
const KEEP = window.__easelThumbsKeep || 2000;

function touchAndTrim(keys) {
  for (const key of keys) {
    const url = CACHE.get(key);
    if (url !== undefined) { CACHE.delete(key); CACHE.set(key, url); }
  }
  const shown = new Set(keys);
  for (const [key, url] of CACHE) {
    if (CACHE.size <= KEEP) break;
    if (shown.has(key)) continue;
    CACHE.delete(key);
    URL.revokeObjectURL(url);
  }
}

// The payload (components/gallery_grid.py `encode`): a 4-byte big-endian header length, a JSON header, then the
// new thumbnails' bytes in the header's order.
function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

// ‹ Prev · Page 2 of 5 · Next ›, and (above the grid) the count: a click sends the trigger `page` ("prev" |
// "next"); Python moves the keyset cursor (pages/gallery.py). The bottom bar shows when there is another page.
// Every word comes from Python, translated (header.text: tile_data's `_texts`).
function makeBar(where) {
  const bar = document.createElement("nav");
  bar.className = "bar " + where;
  const pagerBox = document.createElement("div");
  pagerBox.className = "pager";
  const prev = document.createElement("button");
  prev.type = "button";
  prev.dataset.page = "prev";
  const label = document.createElement("span");
  label.className = "page";
  if (where === "top") label.setAttribute("aria-live", "polite");     // a screen reader hears the new page
  const next = document.createElement("button");
  next.type = "button";
  next.dataset.page = "next";
  pagerBox.append(prev, label, next);
  bar.appendChild(pagerBox);
  if (where === "top") {
    const count = document.createElement("span");
    count.className = "count";
    bar.appendChild(count);
  }
  return bar;
}

function fillBar(bar, pager, text) {
  const bottom = bar.classList.contains("bottom");
  bar.setAttribute("aria-label", bottom ? text.navBottom : text.nav);
  bar.querySelector("[data-page=prev]").textContent = text.prev;
  bar.querySelector("[data-page=next]").textContent = text.next;
  bar.hidden = !pager || (bottom && !pager[3] && !pager[4]);
  if (!pager) return;
  const [page, pages, count, hasPrev, hasNext] = pager;
  bar.querySelector(".page").textContent = text.page.replace("{page}", page).replace("{pages}", pages);
  bar.querySelector("[data-page=prev]").disabled = !hasPrev;
  bar.querySelector("[data-page=next]").disabled = !hasNext;
  const countEl = bar.querySelector(".count");
  if (countEl) countEl.textContent = count;
}

export default function (component) {
  const { parentElement, setTriggerValue } = component;
  const bytes = asBytes(component.data);
  if (!bytes || bytes.length < 4) return;
  const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + size)));
  let at = 4 + size;
  for (const [key, mime, length] of header.thumbs) {
    if (!CACHE.has(key)) {
      CACHE.set(key, URL.createObjectURL(new Blob([bytes.slice(at, at + length)], { type: mime })));
    }
    at += length;
  }
  const columns = header.columns;
  const pager = header.pager;         // [page, pages, count text, has prev, has next] or null
  const text = header.text;
  const tiles = header.tiles.map(([id, thumb, lines, error]) => ({ id, thumb, lines, error, alt: lines[0] || "" }));
  const data = { columns, tiles };
  touchAndTrim(tiles.filter((t) => t.thumb).map((t) => t.thumb));
  const missing = tiles.filter((t) => t.thumb && !CACHE.has(t.thumb)).map((t) => t.thumb);
  if (missing.length) {
    setTriggerValue("missing", missing);
  }
  const signature = JSON.stringify([columns, pager, header.tiles, text]) + "|" + missing.join(",");
  if (SEEN.get(parentElement) === signature) return;
  SEEN.set(parentElement, signature);

  let grid = parentElement.querySelector(".grid");
  if (!grid) {
    const wrap = document.createElement("div");
    wrap.className = "wrap";
    grid = document.createElement("div");
    grid.setAttribute("role", "list");
    wrap.append(makeBar("top"), grid, makeBar("bottom"));
    parentElement.appendChild(wrap);
    // Native <button>s (tiles, Prev / Next): focusable, and Enter / Space click them.
    wrap.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button || button.disabled) return;
      if (button.classList.contains("open")) grid.easelTrigger("open", Number(button.dataset.id));
      else if (button.dataset.page) grid.easelTrigger("page", button.dataset.page);
    });
  }
  grid.easelTrigger = setTriggerValue;
  for (const bar of parentElement.querySelectorAll(".bar")) fillBar(bar, pager, text);
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
    const name = t.alt || text.image.replace("{id}", t.id);
    open.title = t.alt || text.open;
    if (t.thumb && CACHE.has(t.thumb)) {
      const img = document.createElement("img");
      img.alt = t.alt || name;
      img.src = CACHE.get(t.thumb);
      img.decoding = "async";
      open.appendChild(img);
    } else {
      const broken = document.createElement("span");
      broken.className = "broken";
      broken.textContent = t.error || text.loading;
      open.setAttribute("aria-label", text.state.replace("{image}", name).replace("{state}", broken.textContent));
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

# Thumbnail bytes by thumbnail key, most recently used last; bounded so a long-lived server with a big gallery
# keeps at most this much.
_BYTES: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
_CACHE_LIMIT = 48 * 1024 * 1024
_cache_size = 0
_cache_lock = threading.Lock()


def _thumb_key(row, side: int) -> str:
    return f"{row.sha256}-{side}"


def _thumbnail(store, row, side: int) -> tuple[bytes, str]:
    """(bytes, mime) of the row's thumbnail, from the in-process cache or read (and made if need be) once."""
    global _cache_size
    key = _thumb_key(row, side)
    with _cache_lock:
        hit = _BYTES.get(key)
        if hit is not None:
            _BYTES.move_to_end(key)
            return hit
    thumb = thumbnails.thumbnail(store, row, side)
    item = (thumb.data, thumb.mime)
    with _cache_lock:
        if key not in _BYTES:
            _BYTES[key] = item
            _cache_size += len(item[0])
            while _cache_size > _CACHE_LIMIT and len(_BYTES) > 1:
                _unused, (old, _mime) = _BYTES.popitem(last=False)
                _cache_size -= len(old)
    return item


def clear_cache() -> None:
    """Forget the in-process thumbnail bytes and captions (tests; a file replaced under the same content hash)."""
    global _cache_size
    with _cache_lock:
        _BYTES.clear()
        _cache_size = 0
        _CAPTIONS.clear()
        _PAYLOADS.clear()


# Caption lines by (image id, its job's updated_at): a rerun's 48 captions come from here, and a job that changes
# (a reconciled cost) gets new ones. Bounded, oldest first out.
_CAPTIONS: OrderedDict[tuple, list[str]] = OrderedDict()
_CAPTIONS_LIMIT = 20_000


def _keep(cache: OrderedDict, limit: int, key: tuple, value):
    """Put `value` in one of this module's bounded caches (captions, payloads), oldest out; return it."""
    with _cache_lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > limit:
            cache.popitem(last=False)
    return value


def _remember(key: tuple, lines: list[str]) -> list[str]:
    return _keep(_CAPTIONS, _CAPTIONS_LIMIT, key, lines)


def _captions(store, images, jobs, versions) -> list[list[str]]:
    """Each image's caption lines. With `versions` (job id → updated_at, read with the page's rows:
    Store.list_images_versioned) only the jobs of captions not kept yet are read; else `jobs` (id → JobRow),
    read here if not given."""
    if versions is None:
        jobs = jobs if jobs is not None else store.get_jobs(row.job_id for row in images)
        versions = {job_id: job.updated_at for job_id, job in jobs.items()}
    # The language is part of the key: a caption's words (partial, cost) follow the session's language; so is
    # the viewer, whose teammates' shared images say whose they are.
    lang, viewer_id = current_language(), identity.current().id
    keys = [(row.id, versions.get(row.job_id), lang, viewer_id) for row in images]
    lines = [_CAPTIONS.get(key) for key in keys]
    if None in lines:
        if jobs is None:
            jobs = store.get_jobs(row.job_id for row, got in zip(images, lines) if got is None)
        lines = [got if got is not None else _remember((row.id, getattr(jobs.get(row.job_id), "updated_at", None),
                                                        lang, viewer_id),
                                                       caption_lines(row, jobs.get(row.job_id), viewer_id))
                 for row, got in zip(images, lines)]
    return lines


def component_key(key: str) -> str:
    return f"{key}.tiles"


def _on_open(key: str) -> None:
    value = (st.session_state.get(component_key(key)) or {}).get("open")
    if value is not None:
        lightbox.open_lightbox(key, int(value))


@dataclass(frozen=True)
class Pager:
    """The page navigation drawn in the grid's element, above (with `count`) and below it: ‹ Prev · Page 2 of 5 ·
    Next ›. `on_prev` / `on_next` run (as callbacks, before the next script run) when the browser sends the
    trigger `page` = "prev" / "next"; None = no such page (the button is drawn disabled)."""
    page: int
    pages: int
    count: str
    on_prev: Callable[[], None] | None = None
    on_next: Callable[[], None] | None = None

    def header(self) -> list:
        return [self.page, self.pages, self.count, self.on_prev is not None, self.on_next is not None]


def texts() -> dict[str, str]:
    """Every word the grid's script shows, in the session's language; `{…}` fields are filled in by the script.
    Kept per language: the catalogs do not change while the server runs, and a rerun then looks up none."""
    lang = current_language()
    words = _TEXTS.get(lang)
    if words is None:
        words = _TEXTS[lang] = {
            "prev": _("‹ Prev"), "next": _("Next ›"), "page": _("Page {page} of {pages}"), "nav": _("Gallery pages"),
            "navBottom": _("Gallery pages (bottom)"), "open": _("Open"), "image": _("Image {id}"),
            "loading": _("Loading…"), "state": _("{image} ({state})")}
    return words


_TEXTS: dict[str, dict[str, str]] = {}


def _on_page(key: str, pager: Pager | None) -> None:
    value = (st.session_state.get(component_key(key)) or {}).get("page")
    step = {"prev": pager.on_prev, "next": pager.on_next}.get(value) if pager is not None else None
    if step is not None:
        step()


def _on_missing(key: str) -> None:
    missing = (st.session_state.get(component_key(key)) or {}).get("missing") or []
    sent = st.session_state.get(SENT)
    if sent is not None:
        sent.difference_update(str(m) for m in missing)


def tile_data(store, images, jobs=None, *, columns: int, side: int = thumbnails.TILE_SIDE, versions=None,
              pager: Pager | None = None) -> dict:
    """What the component draws: every tile as [id, thumbnail key or None, caption lines (the first, the
    prompt, is the alt text too), error or None], the thumbnails this session has not sent yet as
    {key: (bytes, mime)} (which are then counted as sent), and the pager's header (or None)."""
    sent: set[str] = st.session_state.setdefault(SENT, set())
    tiles, thumbs = [], {}
    for row, lines in zip(images, _captions(store, images, jobs, versions)):
        thumb, error = _thumb_key(row, side), None
        if thumb not in sent and thumb not in thumbs:
            try:
                thumbs[thumb] = _thumbnail(store, row, side)
            except Exception as err:  # noqa: BLE001 - a missing or unreadable file: say so in its tile, draw the rest
                thumb, error = None, _("Image unreadable ({error})").format(error=type(err).__name__)
        tiles.append([row.id, thumb, lines, error])
    sent.update(thumbs)
    return {"columns": columns, "tiles": tiles, "thumbs": thumbs,
            "pager": pager.header() if pager is not None else None, "text": texts()}


def encode(data: dict) -> bytes:
    """The component's data as bytes: a 4-byte big-endian length, a JSON header (columns, tiles, and each new
    thumbnail's [key, mime, length]), then the thumbnails' bytes one after another. Binary rather than base64
    in JSON: a page's JPEGs travel at their own size (base64 is a third more), and Streamlit hashes the payload
    as bytes instead of dumping and hashing a JSON text twice."""
    header = json.dumps({"columns": data["columns"], "tiles": data["tiles"], "pager": data.get("pager"),
                         "text": data.get("text") or texts(),
                         "thumbs": [[key, mime, len(blob)] for key, (blob, mime) in data["thumbs"].items()]},
                        ensure_ascii=False, separators=(",", ":")).encode()
    return b"".join([len(header).to_bytes(4, "big"), header, *(blob for blob, _mime in data["thumbs"].values())])


def decode(payload: bytes) -> dict:
    """`encode`'s inverse (tests and benchmarks read the grid back with it)."""
    size = int.from_bytes(payload[:4], "big")
    header = json.loads(payload[4:4 + size])
    thumbs, at = {}, 4 + size
    for key, mime, length in header["thumbs"]:
        thumbs[key] = (payload[at:at + length], mime)
        at += length
    return {"columns": header["columns"], "tiles": header["tiles"], "thumbs": thumbs, "pager": header.get("pager"),
            "text": header.get("text")}


# Encoded payloads of pages whose thumbnails the tab already holds, by what they show (see `_payload`). A rerun of
# an unchanged page then builds no tile and dumps no JSON. Bounded, oldest out (~11 KB each).
_PAYLOADS: OrderedDict[tuple, bytes] = OrderedDict()
_PAYLOADS_LIMIT = 256


def _payload(store, images, jobs, columns: int, versions, pager: Pager | None) -> bytes:
    """`encode(tile_data(...))`, or the same bytes kept from an earlier run. A page's payload is fixed by its
    images and their jobs' versions (its captions: `_captions`), the pager, the language and the viewer; it can
    be kept only when it carries no thumbnail bytes, i.e. when this tab holds every thumbnail already."""
    key = None
    if versions is not None:
        key = (columns, tuple(pager.header()) if pager is not None else None, current_language(),
               identity.current().id, tuple((row.id, row.sha256, versions.get(row.job_id)) for row in images))
        sent = st.session_state.get(SENT) or ()
        if all(_thumb_key(row, thumbnails.TILE_SIDE) in sent for row in images):
            with _cache_lock:
                hit = _PAYLOADS.get(key)
            if hit is not None:
                return hit
    data = tile_data(store, images, jobs, columns=columns, versions=versions, pager=pager)
    payload = encode(data)
    if key is not None and not data["thumbs"] and all(tile[1] is not None for tile in data["tiles"]):
        _keep(_PAYLOADS, _PAYLOADS_LIMIT, key, payload)
    return payload


def render_tiles(store, images, jobs=None, *, key: str, columns: int, versions=None,
                 pager: Pager | None = None) -> None:
    """The grid of `images` (ImageRows, in order) as one component; a click opens grid `key`'s lightbox. Captions
    come from `jobs` (id → JobRow) or, cheaper, `versions` (job id → updated_at; see `_captions`). With a
    `pager`, the page navigation and the count are drawn in the same element."""
    _GRID(key=component_key(key), data=_payload(store, images, jobs, columns, versions, pager),
          on_open_change=lambda: _on_open(key),
          on_missing_change=lambda: _on_missing(key), on_page_change=lambda: _on_page(key, pager))
