"""The prompt library on Generate and Edit: the searchable picker, the "Save prompt" popover, and the save action
for a past job (the lightbox, the Tasks list). Saved prompts are easel.store.prompt_library rows.

Picking a prompt fills the prompt and its saved settings (size, quality, provider) and touches nothing else the
user typed. The pick is applied by `apply_pick` at the top of the page, before the form is drawn (Streamlit
forbids setting a drawn widget's value): the picker's callback only files it, and switches the sidebar's
provider when the prompt saved one that is on offer.
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import _, format_number
from easel.prompts.templates import TemplateError, parse
from easel.store import prompt_library as lib

from components import md_escape, params, truncate

__all__ = ["apply_pick", "use", "picker", "save_popover", "save_job_popover", "picker_label", "settings_of"]

_PENDING = "easel.library.pick"      # + ".<form key>": the saved prompt chosen, applied before the form is drawn


def picker_label(p: lib.SavedPrompt) -> str:
    """What the picker shows and filters on: the title, the tags, then the text (type any of them)."""
    tags = f" · {', '.join(p.tags)}" if p.tags else ""
    return f"{p.title}{tags} — {truncate(p.prompt, 300)}"


def settings_of(form_key: str) -> dict:
    """The form's size, quality and the sidebar's provider: a saved prompt's default settings."""
    from components.session import PROVIDER_KEY

    ss = st.session_state
    provider = ss.get(PROVIDER_KEY)
    size = ss.get(f"{form_key}.size")
    if size == params.CUSTOM_SIZE:
        w, h = ss.get(f"{form_key}.width"), ss.get(f"{form_key}.height")
        size = f"{int(w)}x{int(h)}" if w and h else None
    out = {"size": size, "quality": ss.get(f"{form_key}.quality"), "provider": provider}
    return {k: v for k, v in out.items() if v}


def _choose(store, form_key: str) -> None:
    pid = st.session_state.get(f"{form_key}.library")
    st.session_state[f"{form_key}.library"] = None          # the picker goes back to its placeholder
    saved = lib.get_prompt(store, pid) if pid is not None else None
    if saved is not None:
        use(saved, form_key=form_key)


def use(saved: lib.SavedPrompt, *, form_key: str) -> None:
    """File a saved prompt for the form `form_key` ("gen", "edit.params"); its page applies it when drawn."""
    st.session_state[f"{_PENDING}.{form_key}"] = saved
    provider = saved.settings.get("provider")
    from components.session import PROVIDER_KEY, provider_options

    if provider and provider in provider_options():
        st.session_state[PROVIDER_KEY] = provider


def apply_pick(profile, *, form_key: str, prompt_key: str, edit: bool) -> lib.SavedPrompt | None:
    """Put a picked prompt and its saved size and quality into the form (only those keys). Call first."""
    saved = st.session_state.pop(f"{_PENDING}.{form_key}", None)
    if saved is None:
        return None
    st.session_state[prompt_key] = saved.prompt
    params.load_params(profile, {k: v for k, v in saved.settings.items() if k in ("size", "quality")},
                       key=form_key, edit=edit)
    return saved


def picker(store, *, form_key: str) -> None:
    """A select of the saved prompts with type-to-filter (title, tags or text) and keyboard choice."""
    saved = lib.list_prompts(store)
    by_id = {p.id: p for p in saved}
    # Labelled "Library", not "Saved prompts": pages and tests find the prompt box by the label "Prompt".
    st.selectbox(_("Library"), list(by_id), index=None, key=f"{form_key}.library", filter_mode="contains",
                 format_func=lambda pid: picker_label(by_id[pid]) if pid in by_id else str(pid),
                 placeholder=_("Saved prompts ({n}): type to search…").format(n=format_number(len(saved))) if saved
                 else _("Saved prompts: none yet"),
                 on_change=_choose, args=(store, form_key), label_visibility="collapsed",
                 help=_("Type to filter by title, tag or text; ↑ ↓ and Enter choose. Fills the prompt and its saved "
                        "size, quality and provider; everything else stays as you set it."))


def _save(store, *, prompt: str, title_key: str, tags_key: str, keep_key: str, settings: dict) -> None:
    title = (st.session_state.get(title_key) or "").strip() or truncate(prompt, 60)
    tags = [t.strip() for t in (st.session_state.get(tags_key) or "").split(",")]
    free = lib.free_title(store, title)
    lib.save_prompt(store, title=free, prompt=prompt, tags=tags,
                    settings=settings if st.session_state.get(keep_key, True) else {})
    # Worded now, in this run's language: the notifier shows it once, later in this same run.
    note = (_("Saved “{title}” to the prompt library (the title was taken)") if free != title
            else _("Saved “{title}” to the prompt library")).format(title=free)
    st.session_state["easel.toasts"] = [*st.session_state.get("easel.toasts", []), note]
    st.session_state.pop(title_key, None)
    st.session_state.pop(tags_key, None)


def _save_form(store, *, prompt: str, settings: dict, key: str) -> None:
    try:
        parse(prompt)
    except TemplateError as e:
        st.caption(md_escape(e.user_message()))
        return
    title_key, tags_key, keep_key = f"{key}.save.title", f"{key}.save.tags", f"{key}.save.keep"
    st.text_input(_("Title"), key=title_key, placeholder=truncate(prompt, 60), max_chars=120,
                  help=_("Empty: the start of the prompt. A title already taken gets “(2)”."))
    st.text_input(_("Tags"), key=tags_key, placeholder=_("poster, client X"), help=_("Separated by commas."))
    # The settings are shown as the API names them (size 1024x1024), in every language.
    described = ", ".join(f"{k} {v}" for k, v in settings.items()) or _("none set")
    st.checkbox(_("Save the settings too ({settings})").format(settings=described), key=keep_key, value=True)
    st.button(_("Save"), key=f"{key}.save.go", type="primary", icon=":material/bookmark_add:", width="stretch",
              on_click=_save, kwargs=dict(store=store, prompt=prompt, title_key=title_key, tags_key=tags_key,
                                          keep_key=keep_key, settings=settings))


def save_popover(store, *, prompt: str, form_key: str) -> None:
    """"Save prompt" beside the prompt: the title defaults to the prompt's start, so it is one click to Save."""
    with st.popover(_("Save prompt"), icon=":material/bookmark_add:", disabled=not prompt.strip(),
                    help=_("Save this prompt (and its size, quality and provider) to the prompt library.")):
        _save_form(store, prompt=prompt, settings=settings_of(form_key), key=form_key)


def save_job_popover(store, job, *, key: str, compact: bool = False) -> None:
    """Save a past job's prompt with its size, quality and provider (the lightbox, the Tasks list). `compact`:
    an icon alone, for a row that must stay one line high (the Tasks list)."""
    if job is None or not (job.prompt or "").strip():
        return
    settings = {k: v for k, v in (("size", job.size), ("quality", job.quality), ("provider", job.provider)) if v}
    label = ":material/bookmark_add:" if compact else _("Save prompt")
    with st.popover(label, icon=None if compact else ":material/bookmark_add:",
                    width="content" if compact else "stretch",
                    help=_("Save this job's prompt and settings to the prompt library.")):
        _save_form(store, prompt=job.prompt, settings=settings, key=f"{key}.lib")
