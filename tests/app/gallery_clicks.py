"""Reading and clicking the Gallery's one-element grid (components/gallery_grid.py) under AppTest.

AppTest sees a Components-v2 element as an unknown element: its tiles are read from the element's data, and
a click is the component's trigger value injected into the next run's widget states, as the browser sends it.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from components import gallery_grid

__all__ = ["_tiles", "_grid_payload", "_tile_lines", "_click_tile", "_trigger", "open_in_gallery", "pager",
           "gallery_count", "turn_page"]


def _tiles(at, key: str = "gallery.grid") -> list[dict]:
    """The Gallery grid component's tiles, as its script draws them: id, thumbnail key, caption lines, error."""
    grids = [el for el in at.get("bidi_component") if el.key == gallery_grid.component_key(key)]
    if not grids:
        return []
    [grid] = grids
    tiles = gallery_grid.decode(grid.proto.bytes)["tiles"]
    return [{"id": t[0], "thumb": t[1], "lines": t[2], "error": t[3]} for t in tiles]


def _grid_payload(at, key: str = "gallery.grid") -> tuple[int, list, dict]:
    """(columns, tiles, {thumbnail key: (bytes, mime)}) as the browser receives them."""
    [grid] = [el for el in at.get("bidi_component") if el.key == gallery_grid.component_key(key)]
    data = gallery_grid.decode(grid.proto.bytes)
    return data["columns"], data["tiles"], data["thumbs"]


def _tile_lines(at) -> list[str]:
    return [line for t in _tiles(at) for line in t["lines"]]


def _click_tile(at, row, key: str = "gallery.grid") -> AppTest:
    """What the browser sends when a tile is clicked (or Enter is pressed on it): the component's trigger
    `open` with the image id, in the next run's widget states. AppTest cannot click a component, so the trigger
    goes through AppTest's own run with that one widget state added (its `_run`, which `run()` calls)."""
    return _trigger(at, "open", row.id, key)


def _trigger(at, event: str, value, key: str = "gallery.grid") -> AppTest:
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    [grid] = [el for el in at.get("bidi_component") if el.key == gallery_grid.component_key(key)]
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(grid.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": event, "value": value}])
    at._run(states)
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_in_gallery(at, image_id: int) -> AppTest:
    """Open one image's lightbox on the Gallery page, as a click on its tile does."""
    return _trigger(at, "open", image_id)


def pager(at, key: str = "gallery.grid") -> dict | None:
    """The page navigation drawn in the grid's element: page, pages, the count text, and whether ‹ Prev and
    Next › are enabled (None: no pager, or no grid)."""
    grids = [el for el in at.get("bidi_component") if el.key == gallery_grid.component_key(key)]
    if not grids:
        return None
    header = gallery_grid.decode(grids[0].proto.bytes)["pager"]
    if header is None:
        return None
    page, pages, count, prev, nxt = header
    return {"page": page, "pages": pages, "count": count, "prev": prev, "next": nxt,
            "label": f"Page {page} of {pages}"}


def gallery_count(at) -> str | None:
    """The Gallery's count line ("51 images"), drawn above the grid in its element."""
    return (pager(at) or {}).get("count")


def turn_page(at, where: str) -> AppTest:
    """A click on ‹ Prev or Next › (`where` = "prev" | "next"), as the browser sends it: the trigger `page`."""
    return _trigger(at, "page", where)
