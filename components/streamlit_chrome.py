"""Streamlit's own words in the session's language: the texts its frontend draws that no Python argument sets.

The file uploader's "Upload" button and "200MB per file" line, a select box's "Choose an option", "Press Enter to
apply" under a text field, the navigation's "View 3 more". Streamlit ships them in English only. One invisible
Components v2 element (drawn in the page itself, not an iframe) watches the page with a MutationObserver and
rewrites exactly these texts, from a table that Python translates with `_()`; anything else is left alone. When
the session goes back to English, every rewritten text gets its original back. Streamlit's React keeps owning
the nodes: when it redraws one, the observer sees the new English text and translates it again.
"""

from __future__ import annotations

import streamlit as st

from easel.core.i18n import DEFAULT_LANGUAGE, N_, _, current_language

from components import css

__all__ = ["translate_chrome", "EXACT", "PATTERNS"]

# Streamlit 1.67's frontend texts, exactly as its bundle writes them (static/js: FileUploader, InputInstructions,
# Selectbox, Multiselect, SidebarNav).
EXACT = [
    N_("Upload"), N_("Drag and drop files here"), N_("Drag and drop a file here"), N_("Choose an option"),
    N_("Choose options"), N_("No results"), N_("View less"), N_("Press Enter to apply"),
    N_("Press Enter to submit form"), N_("Press Ctrl+Enter to apply"), N_("Press ⌘+Enter to apply"),
    N_("Press Ctrl+Enter to submit form"), N_("Press ⌘+Enter to submit form"), N_("Running..."),
    # An empty date field's segments (React Aria's placeholders, which follow no Streamlit setting).
    N_("yyyy"), N_("mm"), N_("dd"),
]
# (JavaScript regular expression over the whole trimmed text, translated template with {1}, {2} for its groups).
PATTERNS = [
    (r"^(\S+) per file( • .+)?$", N_("{size} per file"), ("size",)),
    (r"^View (\d+) more$", N_("View {count} more"), ("count",)),
]

_JS = """
const S = window.__easelChrome || (window.__easelChrome = {
  exact: {}, patterns: [], observer: null, original: new WeakMap(), shown: new WeakMap() });

function translated(text) {
  const t = text.trim();
  if (!t) return null;
  if (Object.prototype.hasOwnProperty.call(S.exact, t)) return text.replace(t, S.exact[t]);
  for (const [re, template] of S.patterns) {
    const m = t.match(re);
    if (m) return text.replace(t, template.replace(/\\{(\\d)\\}/g, (_, i) => m[+i] || ""));
  }
  return null;
}

function visitText(node) {
  // React may have written a new English text since we last touched this node: that is the original now.
  if (S.shown.get(node) !== node.nodeValue) S.original.set(node, node.nodeValue);
  const original = S.original.get(node);
  const next = translated(original);
  const want = next === null ? original : next;
  if (node.nodeValue !== want) node.nodeValue = want;
  S.shown.set(node, want);
}

function visitPlaceholder(el) {
  const key = "easelPlaceholder";
  if (el.dataset[key + "Shown"] !== el.getAttribute("placeholder")) el.dataset[key] = el.getAttribute("placeholder");
  const original = el.dataset[key];
  const next = translated(original);
  const want = next === null ? original : next;
  if (el.getAttribute("placeholder") !== want) el.setAttribute("placeholder", want);
  el.dataset[key + "Shown"] = want;
}

function visit(root) {
  if (root.nodeType === Node.TEXT_NODE) { visitText(root); return; }
  if (root.nodeType !== Node.ELEMENT_NODE) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) visitText(n);
  if (root.hasAttribute && root.hasAttribute("placeholder")) visitPlaceholder(root);
  root.querySelectorAll && root.querySelectorAll("[placeholder]").forEach(visitPlaceholder);
}

export default function (component) {
  const data = component.data || {};
  S.exact = data.exact || {};
  S.patterns = (data.patterns || []).map(([re, template]) => [new RegExp(re), template]);
  if (!S.observer) {
    S.observer = new MutationObserver((mutations) => {
      for (const m of mutations) {
        if (m.type === "characterData") visitText(m.target);
        else if (m.type === "attributes") visitPlaceholder(m.target);
        else m.addedNodes.forEach(visit);
      }
    });
    S.observer.observe(document.body, { subtree: true, childList: true, characterData: true,
                                         attributes: true, attributeFilter: ["placeholder"] });
  }
  visit(document.body);
}
"""

_CHROME = st.components.v2.component("easel_streamlit_chrome", js=_JS)
_KEY = "easel-streamlit-chrome"


def _table() -> dict:
    if current_language() == DEFAULT_LANGUAGE:
        return {"exact": {}, "patterns": []}      # English: put every original text back
    patterns = []
    for regex, template, names in PATTERNS:
        fields = {name: "{" + str(i + 1) + "}" for i, name in enumerate(names)}
        text = _(template).format(**fields)
        if names == ("size",):
            text += "{2}"                         # the accepted types (" • PNG, JPG") follow unchanged
        patterns.append([regex, text])
    return {"exact": {source: _(source) for source in EXACT}, "patterns": patterns}


def translate_chrome() -> None:
    """Mount the translator once per run (from app.py); it takes no room."""
    with st.sidebar:
        css.style(f".st-key-{_KEY} {{ display: none !important; }}")
        _CHROME(data=_table(), key=_KEY)
