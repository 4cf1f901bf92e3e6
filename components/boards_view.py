"""The Boards page's parts: make a board, the boards one a line (cover, name, count; Open, Download ZIP, Rename,
Share…, Delete…), the open board's images, and the live share links with Revoke.

Widget keys, for tests: `boards.new` / `boards.create`; per board `board.{id}.open`, `.zip`, `.name` / `.rename`
(in the Rename popover), `.delete` then `.yes` / `.no`, and the share popover's `board.{id}.share.*`.
"""

from __future__ import annotations

import time

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import _, format_decimal, format_number, ngettext
from easel.media import thumbnails
from easel.store import boards, zip_export

from components import gallery, md_escape
from components.image_organize import BOARD_FILTER
from components.share_view import active_links, share_popover

__all__ = ["new_board_form", "board_cards", "open_board", "share_links_list", "OPEN"]

OPEN = "boards.open"            # the id of the board whose images are shown
_ERROR = "boards.error"
SHOWN = 48                      # an open board's images drawn here; the Gallery pages through the rest
COVER = 64                      # px: a board's cover beside its name


def _create(store) -> None:
    try:
        board_id = boards.create_board(store, st.session_state.get("boards.new", ""))
    except EaselError as e:
        st.session_state[_ERROR] = e.message
        return
    st.session_state["boards.new"] = ""
    st.session_state[OPEN] = board_id


def new_board_form(store) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="boards-new"):
        st.text_input(_("New board"), key="boards.new", placeholder=_("client X, round 2"),
                      max_chars=boards.NAME_MAX, width=360)
        st.button(_("Create board"), key="boards.create", on_click=_create, args=(store,), icon=":material/add:")
    if error := st.session_state.pop(_ERROR, None):
        st.error(error)


def _rename(store, board_id: str) -> None:
    try:
        boards.rename_board(store, board_id, st.session_state.get(f"board.{board_id}.name", ""))
    except EaselError as e:
        st.session_state[_ERROR] = e.message


def _delete(store, board_id: str) -> None:
    boards.delete_board(store, board_id)
    st.session_state.pop(f"board.{board_id}.confirm", None)
    if st.session_state.get(OPEN) == board_id:
        st.session_state.pop(OPEN, None)


def _cover(store, image_id: int | None) -> None:
    row = store.get_image(image_id) if image_id is not None else None
    if row is None:
        st.markdown(":material/dashboard:", width=COVER)
        return
    try:
        thumb = thumbnails.thumbnail(store, row, thumbnails.TILE_SIDE)
    except Exception as err:  # noqa: BLE001 - a missing cover file: the board still works
        st.caption(_("Cover unreadable ({error})").format(error=type(err).__name__), width=COVER)
        return
    st.image(thumb.data, width=COVER, output_format=thumb.format)


def _zip(store, board, *, key: str) -> None:
    """One ZIP of the board with a manifest naming it; a board larger than the gallery's part size comes as
    parts (Streamlit holds a download in memory), each with its own manifest."""
    header = {"board": board.name}
    stamp = f"easel-board-{time.strftime('%Y%m%d')}-{board.id[:6]}"
    if board.bytes <= gallery.ZIP_PART_BYTES:
        st.download_button("ZIP", key=f"{key}.zip", icon=":material/folder_zip:", mime="application/zip",
                           data=lambda: zip_export.zip_to_temp_file(store, header=header, board_id=board.id),
                           file_name=f"{stamp}.zip", on_click="ignore", disabled=board.count == 0,
                           help=_("Every image of the board, with a manifest.json"))
        return
    popover = st.popover("ZIP", icon=":material/folder_zip:", key=f"{key}.zip", on_change="rerun")
    if not popover.open:
        return
    with popover:
        parts = zip_export.plan_parts(store, gallery.ZIP_PART_BYTES, board_id=board.id)
        st.caption(_("{images} images in {parts} archives of at most {mb} MB, each with its own "
                     "manifest.json.").format(images=format_number(board.count), parts=len(parts),
                                              mb=gallery.ZIP_PART_BYTES // 2**20))
        for i, part in enumerate(parts, 1):
            st.download_button(_("Part {i} of {parts} · {images} images, {size} MB").format(
                                   i=i, parts=len(parts), images=format_number(part.count),
                                   size=format_decimal(part.bytes / 2**20, 1)),
                               data=lambda p=part: zip_export.zip_to_temp_file(store, part=p, header=header,
                                                                               board_id=board.id),
                               file_name=f"{stamp}-part{i}.zip", mime="application/zip", key=f"{key}.zip.part{i}",
                               on_click="ignore", icon=":material/download:")


def _row(store, board) -> None:
    """One board on one line: cover, name and count, then its actions."""
    key = f"board.{board.id}"
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="medium",
                      key=f"easel-board-{board.id}"):
        _cover(store, board.cover_image_id)
        with st.container(gap=None, width="stretch"):
            st.text(board.name)
            st.caption(ngettext("{n} image", "{n} images", board.count).format(n=format_number(board.count)))
        with st.container(horizontal=True, gap="small", vertical_alignment="center", width="content"):
            st.button(_("Open"), key=f"{key}.open", icon=":material/photo_library:", type="primary"
                      if st.session_state.get(OPEN) == board.id else "secondary",
                      on_click=lambda: st.session_state.__setitem__(OPEN, board.id))
            _zip(store, board, key=key)
            with st.popover(_("Rename"), icon=":material/edit:", key=f"{key}.renamer"):
                st.text_input(_("Name"), value=board.name, key=f"{key}.name", max_chars=boards.NAME_MAX)
                st.button(_("Rename"), key=f"{key}.rename", on_click=_rename, args=(store, board.id))
            if board.count:
                share_popover(store, boards.board_image_ids(store, board.id), title=board.name, key=f"{key}.share",
                              board_id=board.id)
            if not st.session_state.get(f"{key}.confirm"):
                st.button(_("Delete…"), key=f"{key}.delete", icon=":material/delete:", type="tertiary",
                          on_click=lambda: st.session_state.__setitem__(f"{key}.confirm", True))
    if st.session_state.get(f"{key}.confirm"):
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.warning(_("Delete this board? Its images stay in the gallery and on other boards."))
            st.button(_("Delete"), key=f"{key}.yes", type="primary", on_click=_delete, args=(store, board.id))
            st.button(_("Keep"), key=f"{key}.no", on_click=lambda: st.session_state.pop(f"{key}.confirm", None))


def board_cards(store) -> list:
    """Every board, one a line, most recently changed first."""
    all_boards = boards.list_boards(store)
    if not all_boards:
        st.info(_("No boards yet. Name one above, or use Add to board in any image's lightbox."),
                icon=":material/dashboard:")
        return all_boards
    with st.container(gap="small"):
        for board in all_boards:
            _row(store, board)
    return all_boards


def open_board(store) -> None:
    """The open board's images, as the gallery grid (click one for its lightbox)."""
    board = boards.get_board(store, st.session_state.get(OPEN) or "")
    if board is None:
        return
    st.subheader(md_escape(board.name), anchor=False)          # a user's name for it: never markdown
    ids = boards.board_image_ids(store, board.id)
    if not ids:
        st.caption(_("No images on this board yet: open any image and use Add to board."))
        return
    rows = store.list_images(board_id=board.id, limit=SHOWN)
    gallery.render_gallery(rows, key="boards.grid", columns=6, store=store)
    if len(ids) > SHOWN:
        st.caption(_("The newest {shown} of {count}.").format(shown=SHOWN, count=format_number(len(ids))))
        if st.button(_("All {count} in the Gallery").format(count=format_number(len(ids))), key="boards.in_gallery", icon=":material/photo_library:",
                     on_click=_filter_gallery, args=(board.id,)):
            st.switch_page("pages/gallery.py")


def _filter_gallery(board_id: str) -> None:
    # Set before the Gallery draws its filter, so the page opens on this board's images from page one.
    st.session_state[BOARD_FILTER] = board_id
    st.session_state.pop("gallery.cursors", None)


def share_links_list(store) -> None:
    st.subheader(_("Share links"), anchor=False)
    st.caption(_("A share link lets anyone who has it see its images until it expires. Revoke one to end it now."))
    active_links(store, key="links")
