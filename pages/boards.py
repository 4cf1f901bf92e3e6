"""Boards: named sets of images ("client X, round 2") with a cover, a count, Open, ZIP download, Rename, Delete
and Share; and the live share links with Revoke."""

from __future__ import annotations

import streamlit as st

from components import boards_view, services
from components.router import ensure_routed
from easel.core.i18n import _

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

store = services.get_store()
st.title(_("Boards"))
boards_view.new_board_form(store)
boards_view.board_cards(store)
boards_view.open_board(store)
boards_view.share_links_list(store)
