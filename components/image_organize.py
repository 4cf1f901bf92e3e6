"""Star an image, put it on boards, share it: one row of actions the lightbox (components/lightbox.py) and the
result cards call with one line, and the gallery's board / starred filter (pages/gallery.py).

Boards and stars live in easel/store/boards.py; links in easel/store/share_links.py (components/share_view.py).
Widget keys, for tests: `{key}.star`, `{key}.boards` (a multiselect of board ids), `{key}.newboard` and
`{key}.addnew`, and the share popover's `{key}.share.expiry` / `{key}.share.create`.
"""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.store import boards

from components import truncate
from components.share_view import share_popover

__all__ = ["organize", "star_button", "gallery_filters", "BOARD_FILTER", "STARRED_FILTER"]

BOARD_FILTER = "gallery.board"
STARRED_FILTER = "gallery.starred"


def _toggle_star(store, image_id: int) -> None:
    boards.set_starred(store, image_id, not boards.is_starred(store, image_id))


def star_button(store, row, *, key: str, compact: bool = False) -> None:
    starred = boards.is_starred(store, row.id)
    label = _("Starred") if starred else _("Star")
    st.button(label, key=f"{key}.star", on_click=_toggle_star, args=(store, row.id),
              icon=":material/star:" if starred else ":material/star_outline:",
              type="tertiary" if compact else "secondary",      # beside a result card's borderless downloads
              help=_("Unstar") if starred else _("Star: the gallery can show starred images only"))


def _sync_boards(store, image_id: int, key: str) -> None:
    """The multiselect is the image's board list: add it to boards picked, take it off boards unpicked."""
    wanted = set(st.session_state.get(f"{key}.boards") or [])
    have = set(boards.boards_of_image(store, image_id))
    for board_id in wanted - have:
        try:
            boards.add_to_board(store, board_id, [image_id])
        except EaselError as e:         # deleted meanwhile on another tab
            st.session_state[f"{key}.board_error"] = e.message
    for board_id in have - wanted:
        boards.remove_from_board(store, board_id, image_id)


def _add_to_new(store, image_id: int, key: str) -> None:
    try:
        board_id = boards.create_board(store, st.session_state.get(f"{key}.newboard", ""))
    except EaselError as e:
        st.session_state[f"{key}.board_error"] = e.message
        return
    boards.add_to_board(store, board_id, [image_id])
    st.session_state.pop(f"{key}.board_error", None)
    st.session_state[f"{key}.newboard"] = ""


def _boards_popover(store, row, *, key: str) -> None:
    mine = boards.boards_of_image(store, row.id)
    all_boards = {b.id: b.name for b in boards.list_boards(store)}
    label = _("Boards ({count})").format(count=len(mine)) if mine else _("Add to board")
    with st.popover(label, icon=":material/dashboard:", key=f"{key}.boards.popover"):
        # Set from the store every run (before the widget is drawn): another tab or the Boards page may have
        # changed it; the on_change callback has already written this session's change.
        st.session_state[f"{key}.boards"] = [b for b in mine if b in all_boards]
        st.multiselect(_("On boards"), list(all_boards), key=f"{key}.boards", format_func=all_boards.get,
                       on_change=_sync_boards, args=(store, row.id, key), placeholder=_("No board yet"))
        with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
            st.text_input(_("New board"), key=f"{key}.newboard", placeholder=_("client X, round 2"),
                          max_chars=boards.NAME_MAX)
            st.button(_("Add"), key=f"{key}.addnew", on_click=_add_to_new, args=(store, row.id, key),
                      icon=":material/add:")
        if error := st.session_state.pop(f"{key}.board_error", None):
            st.error(error)


def organize(store, row, *, key: str) -> None:
    """Star · Boards · Share… for one image, on one line."""
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"easel-organize-{key}"
                      .replace(".", "-")):
        star_button(store, row, key=key)
        _boards_popover(store, row, key=key)
        # No prompt, no title: the link's pages then name it in their viewer's language ("Shared images").
        share_popover(store, [row.id], title=truncate(row.prompt, 60), key=f"{key}.share")


def gallery_filters(store, *, on_change=None) -> dict:
    """The gallery's board and starred filters, drawn on one line; returns them as list_images() arguments."""
    all_boards = {b.id: b.name for b in boards.list_boards(store)}
    if st.session_state.get(BOARD_FILTER) not in (None, *all_boards):
        st.session_state[BOARD_FILTER] = None          # the board was deleted
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="gallery-organize-filters"):
        board_id = st.selectbox(_("Board"), [None, *all_boards], key=BOARD_FILTER, on_change=on_change, width=260,
                                format_func=lambda b: _("All boards") if b is None else all_boards.get(b, b),
                                label_visibility="collapsed")
        starred = st.toggle(_("Starred"), key=STARRED_FILTER, on_change=on_change,
                            help=_("Only the images you starred (Star in an image's lightbox)."))
    return {"board_id": board_id, "starred": bool(starred)}
