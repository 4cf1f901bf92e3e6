"""No user-visible English literal reaches a Streamlit call without going through the translation function.

An AST walk over app.py, pages/ and components/: every text argument of a Streamlit text or widget call (its
first argument, and label/help/placeholder/caption/title keywords, and each tab name) must be a `_()`/`ngettext()`
call or a non-literal value. A literal or f-string with letters in it fails, unless its letters are all in the
allow-list below.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Calls whose text arguments a user reads. `text`/`write`/`code` are only checked on `st.` itself, because
# files and buffers have methods of the same names.
TEXT_CALLS = {
    "title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success", "toast",
    "button", "download_button", "link_button", "page_link", "form_submit_button", "text_input", "text_area",
    "number_input", "selectbox", "multiselect", "radio", "checkbox", "toggle", "slider", "select_slider",
    "file_uploader", "expander", "popover", "segmented_control", "pills", "date_input", "time_input",
    "color_picker", "metric", "spinner", "status", "dialog", "Page", "chat_input", "camera_input", "label",
}
ST_ONLY_CALLS = {"text", "write"}
TEXT_KEYWORDS = {"label", "help", "placeholder", "caption", "title", "body"}
TRANSLATORS = {"_", "gettext", "ngettext"}

# What may stay a literal, and why: names and units that are the same in every language (brands, file formats,
# protocol words a user types or pastes), and markup without words.
ALLOWED_WORDS = {
    "Easel", "PNG", "JPEG", "JPG", "WebP", "ZIP", "CSV", "JSON", "URL", "API", "HTTP", "SSE", "ID", "UTC",
    "icodeeasy", "QCode", "gccai", "openai", "hk", "OpenAI", "Demo", "gpt", "image", "px", "n", "x", "K", "MB",
    "material",  # Streamlit icon names such as :material/download:
}

# Modules whose strings have not gone through `_()` yet. Each entry leaves as its file is translated.
NOT_YET: set[str] = set()


def _letters_outside_allowed(text: str) -> list[str]:
    text = re.sub(r":material/[a-z_]+:", " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_WORDS]


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def _is_st(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "st"


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if not (name in TEXT_CALLS or (name in ST_ONLY_CALLS and _is_st(node.func.value))):
            continue
        args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        if name in {"Page", "page_link", "switch_page"} and node.args:
            args = [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]   # the first is a file, not text
        for arg in args:
            text = _literal_text(arg)
            if text is not None and _letters_outside_allowed(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}({text[:50]!r})")
    for node in ast.walk(tree):
        # st.tabs(["Requests", "Charts"]): each name is shown.
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "tabs" \
                and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            for element in node.args[0].elts:
                text = _literal_text(element)
                if text is not None and _letters_outside_allowed(text):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} tabs({text[:50]!r})")
    return found


def _ui_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "components").glob("*.py"))]


def test_no_untranslated_literal_reaches_a_streamlit_call():
    offences = [o for p in _ui_files() if str(p.relative_to(ROOT)) not in NOT_YET for o in _offences(p)]
    assert not offences, "wrap these in _() from easel.core.i18n:\n" + "\n".join(offences)


def test_the_check_catches_a_bare_label_and_passes_a_translated_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('import streamlit as st\nst.button("Generate")\ncol.caption(f"{n} images")\n'
                   'st.tabs(["Requests", _("Charts")])\n')
    good = tmp_path / "good.py"
    good.write_text('import streamlit as st\nst.button(_("Generate"), help=_("Send it"))\nst.caption(label)\n'
                    'st.download_button("PNG", data=b"")\nst.button(":material/download:")\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert [o.split(" ", 1)[1] for o in _offences(bad)] == [
            "button('Generate')", "caption(' images')", "tabs('Requests')"]
        assert _offences(good) == []
    finally:
        ROOT = saved


def test_not_yet_lists_only_files_that_still_need_it():
    """An entry leaves NOT_YET the moment its file is clean, so the list can only shrink."""
    clean = [name for name in NOT_YET if not _offences(ROOT / name)]
    assert not clean, f"remove from NOT_YET, already translated: {clean}"


def test_a_module_that_translates_never_rebinds_the_translator():
    """`whole, _, frac = ...` in a module that imports `_` would make `_("…")` call a string in that scope."""
    rebinds = []
    for path in _ui_files() + sorted((ROOT / "easel").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_translator = any(isinstance(n, ast.ImportFrom) and n.module == "easel.core.i18n"
                                 and any(a.name == "_" for a in n.names) for n in ast.walk(tree))
        if not imports_translator:
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.For, ast.comprehension)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for name in ast.walk(t):
                    if isinstance(name, ast.Name) and name.id == "_" and isinstance(name.ctx, ast.Store):
                        rebinds.append(f"{path.relative_to(ROOT)}:{name.lineno}")   # a comprehension has no line
    assert not rebinds, "rename the throwaway `_` (e.g. to `_unused`):\n" + "\n".join(rebinds)
