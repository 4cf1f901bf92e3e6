"""A share link's page (`?share=TOKEN`, routed here by app.py): just the shared images and their settings, for a
visitor with no session, no key and no sidebar. An expired or revoked link says so and shows no image."""

from __future__ import annotations

import streamlit as st

from components import services
from components.share_view import shared_view

shared_view(services.get_store(), st.query_params.get("share"))
