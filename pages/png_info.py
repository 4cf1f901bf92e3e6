"""PNG Info: the prompt and settings an image carries, and one click to fill Generate or Edit with them."""

from __future__ import annotations

import streamlit as st

from components import png_info_panel
from components.router import ensure_routed
from easel.core.i18n import _

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

st.title(_("PNG Info"))
png_info_panel.panel(key="pnginfo")
