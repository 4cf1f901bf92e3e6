"""Scorecard: run the conformance suite on the sidebar's provider, see each check's verdict with its evidence,
and how every provider's scorecard changed over time."""

import streamlit as st

from components import services, session
from easel.core.i18n import _
from components.router import ensure_routed
from components.scorecard_history import render_history
from components.scorecard_panel import render_scorecard_panel

ensure_routed()      # before anything is drawn: a fresh server's first deep link (components/router.py)

st.title(_("Scorecard"), anchor=False,
         help=_("What the provider does against what its doc says, probe by probe. Pick the provider in the "
                "sidebar; the Demo can play any of them, for free."))
render_scorecard_panel(session.current(), services.get_jobs())
st.subheader(_("History"), anchor=False)
render_history(services.get_store())
