"""'View as code': the exact request as curl, Python httpx and (openai dialect) the OpenAI SDK."""

from __future__ import annotations

import streamlit as st

from easel.providers import codegen
from easel.providers.catalog import Profile
from easel.providers.request import ImageRequest

__all__ = ["code_view"]


def code_view(profile: Profile, request: ImageRequest | None, *, base_url: str | None = None,
              problem: str | None = None) -> None:
    with st.expander("View as code", icon=":material/code:"):
        if request is None:
            st.caption("Fix the request above to see it as code.")
            return
        snippets = codegen.snippets(profile, request, base_url=base_url)
        st.caption(f"The key is read from ${codegen.env_var(profile)}; uploads are named files next to the script.")
        for tab, snip in zip(st.tabs([s.label for s in snippets]), snippets):
            with tab:
                st.code(snip.code, language=snip.language)
        if profile.dialect != "openai":
            st.caption(f"No OpenAI SDK form: {profile.label} speaks its own {profile.dialect} dialect.")
