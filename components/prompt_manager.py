"""The Prompts page's parts: the toolbar (search, tag, new, import, export, starter prompts), and one card per
saved prompt with Use, Edit and Delete. Import reports every rejected entry by its index and rule."""

from __future__ import annotations

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import N_, _
from easel.prompts import exchange
from easel.prompts.templates import TemplateError, parse
from easel.store import prompt_library as lib

from components import md_escape, prompt_library

__all__ = ["toolbar", "empty_state", "import_report", "prompt_card", "filtered"]

_REPORT = "lib.import.report"
_EDITING = "lib.editing"
_CONFIRM = "lib.confirm_delete"
# page → (its form's key, its file, the card's button label)
# Example values in the settings fields, as the API and the provider list spell them, in every language.
_EXAMPLE_QUALITY, _EXAMPLE_PROVIDER = "high", "qcode"
# A rejected import entry's mark (markdown colour and icon, no words).
_REJECTED = ":red[:material/close:]"
_FORMS = {"Generate": ("gen", "pages/generate.py", N_("Use on Generate")),
          "Edit": ("edit.params", "pages/edit.py", N_("Use on Edit"))}


def filtered(store) -> list[lib.SavedPrompt]:
    tag = st.session_state.get("lib.tag")
    return lib.list_prompts(store, text=st.session_state.get("lib.search") or "", tag=tag or None)


def _add_starter(store) -> None:
    report = exchange.add_starter(store)
    # Worded now, in this run's language: the notifier shows it once, later in this same run.
    st.session_state["easel.toasts"] = [*st.session_state.get("easel.toasts", []),
                                        _("Starter prompts: {summary}").format(summary=report.summary())]


def _import(store) -> None:
    upload = st.session_state.get("lib.import.file")
    if upload is None:
        return
    try:
        st.session_state[_REPORT] = exchange.import_library(store, upload.getvalue())
    except EaselError as e:
        st.session_state[_REPORT] = e


def _create(store) -> None:
    ss = st.session_state
    prompt = ss.get("lib.new.prompt") or ""
    title = (ss.get("lib.new.title") or "").strip()
    problem = _check(store, title, prompt, None)
    if problem:
        ss["lib.new.problem"] = problem
        return
    lib.save_prompt(store, title=title, prompt=prompt, tags=_tags(ss.get("lib.new.tags")))
    ss["lib.new.problem"] = None
    for k in ("lib.new.title", "lib.new.prompt", "lib.new.tags"):
        ss.pop(k, None)
    ss["easel.toasts"] = [*ss.get("easel.toasts", []), _("Saved “{title}”").format(title=title)]


def _tags(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _check(store, title: str, prompt: str, prompt_id: int | None) -> tuple[str, dict] | TemplateError | None:
    """What stops saving, kept in session state until the next Save: a message and its values (or the template's
    error), not a sentence, so a language switch in between rewords it (_problem_text)."""
    if not title:
        return N_("Give it a title."), {}
    if not prompt.strip():
        return N_("Write the prompt."), {}
    try:
        parse(prompt)
    except TemplateError as e:
        return e
    other = lib.get_by_title(store, title)
    if other is not None and other.id != prompt_id:
        return N_("A saved prompt is already titled “{title}”."), {"title": title}
    return None


def _problem_text(problem: tuple[str, dict] | TemplateError) -> str:
    if isinstance(problem, TemplateError):
        return problem.user_message()
    message, values = problem
    return _(message).format(**values)


def toolbar(store, count: int) -> None:
    # xsmall gaps keep the seven controls on one row at 1366 px in the languages with the widest labels (ko).
    with st.container(horizontal=True, vertical_alignment="center", gap="xsmall"):
        st.text_input(_("Search"), key="lib.search", placeholder=_("Search title, tag or text"), width=200,
                      label_visibility="collapsed")
        tags = sorted({t for p in lib.list_prompts(store) for t in p.tags}, key=str.casefold)
        if st.session_state.get("lib.tag") not in (None, *tags):
            st.session_state["lib.tag"] = None
        st.selectbox(_("Tag"), tags, index=None, key="lib.tag", placeholder=_("Any tag"), width=150,
                     label_visibility="collapsed")
        with st.popover(_("New prompt"), icon=":material/add:"):
            st.text_input(_("Title"), key="lib.new.title", max_chars=exchange.MAX_TITLE)
            st.text_area(_("Prompt"), key="lib.new.prompt", height=120,
                         help=_("Variables in braces make a template: `a {animal} in {style} style`."))
            st.text_input(_("Tags"), key="lib.new.tags", placeholder=_("poster, client X"),
                          help=_("Separated by commas."))
            st.button(_("Save"), key="lib.new.go", type="primary", on_click=_create, args=(store,))
            if st.session_state.get("lib.new.problem"):
                st.error(md_escape(_problem_text(st.session_state["lib.new.problem"])), icon=":material/rule:")
        with st.popover(_("Import"), icon=":material/upload:"):
            st.file_uploader(_("A prompt library (.json)"), type=["json"], key="lib.import.file",
                             help=_("Format “{format}”, version {version}, as Export writes it. A title already "
                                    "here: the same prompt is skipped, a different one gets “(2)”.").format(
                                 format=exchange.FORMAT, version=exchange.VERSION))
            st.button(_("Import"), key="lib.import.go", type="primary", on_click=_import, args=(store,))
        st.download_button(_("Export"), data=lambda: exchange.export_library(store).encode("utf-8"),
                           file_name="easel-prompts.json", mime="application/json", icon=":material/download:",
                           key="lib.export", on_click="ignore", disabled=count == 0,
                           help=_("Every saved prompt as JSON, to pass the library around."))
        st.button(_("Starter prompts"), key="lib.starter", icon=":material/library_add:", on_click=_add_starter,
                  args=(store,), help=_("About 20 prompts in English, Chinese and Korean: product shots, posters, "
                                        "portraits, icons and edit recipes. Ones already here are skipped."))


def empty_state(store) -> None:
    with st.container(border=True):
        st.markdown(_("**Your prompt library is empty.** Save prompts from Generate or Edit (“Save prompt”), from "
                      "a result (“Save prompt” in the gallery), or start with the starter library."))
        st.button(_("Add starter prompts"), key="lib.starter.empty", type="primary", icon=":material/library_add:",
                  on_click=_add_starter, args=(store,))


def import_report() -> None:
    report = st.session_state.get(_REPORT)
    if report is None:
        return
    if isinstance(report, EaselError):
        st.error(md_escape(report.user_message()), icon=":material/error:")
        return
    (st.warning if report.problems else st.success)(md_escape(_("Import: {summary}").format(
        summary=report.summary())), icon=":material/upload:")
    for old, new in report.renamed:
        st.caption(md_escape(_("“{old}” was taken: imported as “{new}”.").format(old=old, new=new)))
    for p in report.problems:
        st.caption(f"{_REJECTED} {md_escape(str(p))}")


def _save_edit(store, prompt_id: int) -> None:
    ss = st.session_state
    k = f"lib.edit.{prompt_id}"
    title, prompt = (ss.get(f"{k}.title") or "").strip(), ss.get(f"{k}.prompt") or ""
    problem = _check(store, title, prompt, prompt_id)
    if problem:
        ss[f"{k}.problem"] = problem
        return
    settings = {"size": (ss.get(f"{k}.size") or "").strip(), "quality": (ss.get(f"{k}.quality") or "").strip(),
                "provider": (ss.get(f"{k}.provider") or "").strip()}
    lib.update_prompt(store, prompt_id, title=title, prompt=prompt, tags=_tags(ss.get(f"{k}.tags")),
                      settings=settings)
    ss.pop(_EDITING, None)


def _edit_form(store, p: lib.SavedPrompt) -> None:
    k = f"lib.edit.{p.id}"
    st.text_input(_("Title"), value=p.title, key=f"{k}.title", max_chars=exchange.MAX_TITLE)
    st.text_area(_("Prompt"), value=p.prompt, key=f"{k}.prompt", height=110)
    st.text_input(_("Tags"), value=", ".join(p.tags), key=f"{k}.tags", help=_("Separated by commas."))
    c1, c2, c3 = st.columns(3)
    c1.text_input(_("Size"), value=p.settings.get("size", ""), key=f"{k}.size",
                  placeholder=_("1024x1024 or 16:9"))
    c2.text_input(_("Quality"), value=p.settings.get("quality", ""), key=f"{k}.quality",
                  placeholder=_EXAMPLE_QUALITY)
    c3.text_input(_("Provider"), value=p.settings.get("provider", ""), key=f"{k}.provider",
                  placeholder=_EXAMPLE_PROVIDER)
    st.caption(_("Empty settings are not saved: the form keeps what it has. A setting the chosen provider does "
                 "not offer is left out when the prompt is used."))
    with st.container(horizontal=True, gap="small"):
        st.button(_("Save"), key=f"{k}.save", type="primary", on_click=_save_edit, args=(store, p.id))
        st.button(_("Cancel"), key=f"{k}.cancel", on_click=lambda: st.session_state.pop(_EDITING, None))
    if st.session_state.get(f"{k}.problem"):
        st.error(md_escape(_problem_text(st.session_state[f"{k}.problem"])), icon=":material/rule:")


def _delete(store, prompt_id: int) -> None:
    lib.delete_prompt(store, prompt_id)
    st.session_state.pop(_CONFIRM, None)


def prompt_card(store, p: lib.SavedPrompt) -> None:
    with st.container(border=True, key=f"lib-card-{p.id}"):
        if st.session_state.get(_EDITING) == p.id:
            _edit_form(store, p)
            return
        head, actions = st.columns([2, 3], vertical_alignment="center")
        badges = " ".join(f":gray-badge[{md_escape(t)}]" for t in p.tags)
        head.markdown(f"**{md_escape(p.title)}** {badges}")
        st.text(p.prompt)
        if p.settings:
            st.caption(md_escape(" · ".join(f"{k} {v}" for k, v in p.settings.items())))
        with actions, st.container(horizontal=True, gap="small", horizontal_alignment="right"):
            for page, (form_key, path, label) in _FORMS.items():
                if st.button(_(label), key=f"lib.use.{page}.{p.id}", type="tertiary",
                             icon=":material/north_east:"):
                    prompt_library.use(p, form_key=form_key)
                    st.switch_page(path)
            st.button(_("Edit"), key=f"lib.edit.{p.id}.open", type="tertiary", icon=":material/edit:",
                      on_click=lambda: st.session_state.__setitem__(_EDITING, p.id))
            if st.session_state.get(_CONFIRM) == p.id:
                st.button(_("Delete for good"), key=f"lib.del.{p.id}.yes", type="primary", on_click=_delete,
                          args=(store, p.id))
                st.button(_("Keep"), key=f"lib.del.{p.id}.no", on_click=lambda: st.session_state.pop(_CONFIRM, None))
            else:
                st.button(_("Delete…"), key=f"lib.del.{p.id}", type="tertiary", icon=":material/delete:",
                          on_click=lambda: st.session_state.__setitem__(_CONFIRM, p.id))
