"""'View as code': the exact request as curl, Python httpx, the OpenAI SDK (where it sends the same) and JavaScript."""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import _
from easel.providers import codegen
from easel.providers.catalog import Profile
from easel.providers.request import ImageRequest, validate

from components import md_escape
from components.api_reference import api_reference_view

__all__ = ["code_view", "code_tabs"]


def code_tabs(profile: Profile, request: ImageRequest, *, base_url: str | None = None) -> None:
    """One tab per language, each the request the dialect builds for `request`; the key never in them."""
    snippets = codegen.snippets(profile, request, base_url=base_url)
    files = list(codegen.snippet_files(request))
    variable = f"${codegen.env_var(profile)}"
    st.caption(_("The key is read from {variable}; keep {files} beside the script.").format(
        variable=variable, files=", ".join(files)) if files else
        _("The key is read from {variable}.").format(variable=variable))
    for tab, snip in zip(st.tabs([s.label for s in snippets]), snippets):
        with tab:
            st.code(snip.code, language=snip.language)
    if not any(s.label == "OpenAI SDK" for s in snippets):
        reason = codegen.sdk_unavailable_reason(profile, codegen.wire_form(profile, request, base_url))
        if reason:
            st.caption(md_escape(_("No OpenAI SDK form: {reason}").format(reason=reason)))


def code_view(profile: Profile, request: ImageRequest | None, *, base_url: str | None = None,
              problem: str | None = None, edit: bool = False) -> None:
    """'View as code' for the form's request (checked here, so a page may pass it as drawn), then the provider's
    API reference, both folded away."""
    try:
        request = validate(request, profile) if request is not None else None
    except EaselError:
        request = None
    if request is not None and request.is_edit and not request.images:
        request = None      # validate() leaves this to the wire builder, which refuses it (edit_without_image)
    with st.expander(_("View as code"), icon=":material/code:", key=f"{'edit' if edit else 'gen'}.code_box"):
        if request is None:
            st.caption(_("Fix the request above to see it as code."))
        else:
            code_tabs(profile, request, base_url=base_url)
    api_reference_view(profile, edit=edit or bool(request and request.is_edit), base_url=base_url,
                       key="edit" if edit else "gen")
