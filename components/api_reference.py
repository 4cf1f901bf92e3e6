"""The inline API reference of the chosen provider, folded under the form: the endpoint, curl / Python /
JavaScript examples, the parameter table and the error codes. Everything comes from the profile and its dialect
(easel.providers.api_reference, easel.providers.error_codes), so it says what Easel itself sends."""

from __future__ import annotations

import streamlit as st

from easel.core.i18n_text import shown
from easel.core.i18n import _
from easel.providers import api_reference, codegen, error_codes
from easel.providers.catalog import Profile

from components import md_escape

__all__ = ["api_reference_view"]


def api_reference_view(profile: Profile, *, edit: bool, base_url: str | None = None, key: str) -> None:
    with st.expander(_("API reference · {provider}").format(provider=shown(profile.label)), icon=":material/menu_book:",
                     key=f"{key}.api_ref"):
        st.text(api_reference.endpoint_line(profile, edit=edit, base_url=base_url))      # plain text: a typed URL stays text
        st.caption(md_escape(_("Authorization: Bearer <key> (Easel reads it from {variable} in these examples). "
                               "Source: {doc}.").format(variable=f"${codegen.env_var(profile)}",
                                                        doc=profile.doc or _("the provider doc"))))
        examples = api_reference.examples(profile, edit=edit, base_url=base_url)
        tabs = st.tabs([*examples, _("Parameters"), _("Error codes")])
        for tab, snippet in zip(tabs, examples.values()):
            with tab:
                st.code(snippet.code, language=snippet.language)
        with tabs[-2]:
            rows = api_reference.parameter_rows(profile, edit=edit, base_url=base_url)
            # A static table wraps long cells where a data grid would cut them; its cells are markdown, so escaped.
            # The column names are shown as the table's header, so they are the translated words.
            st.table([{_("Parameter"): md_escape(r.name), _("Type"): r.type, _("Allowed values"): md_escape(r.allowed),
                       _("Easel sends by default"): md_escape(r.default)} for r in rows],
                     hide_index=True, border="horizontal")
        with tabs[-1]:
            codes = error_codes.error_codes(profile)
            st.caption(md_escape(error_codes.error_shape(profile)))
            if codes:
                st.table([{"HTTP": c.status, _("Code"): md_escape(c.code), _("Meaning"): md_escape(c.meaning)}
                          for c in codes], hide_index=True, border="horizontal")
