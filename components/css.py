"""Page CSS for keyed elements (a key becomes the class `st-key-<key>`), drawn in the page's own flow.

`st.html` with nothing but `<style>` goes to Streamlit's event container, which the browser may draw after the
elements it styles: a grid would first show its hidden lightbox buttons. So the style travels in a small element
right before those elements, in the same container, and that element hides itself (a `<style>` applies wherever
it sits, shown or not).
"""

from __future__ import annotations

import streamlit as st

__all__ = ["style"]

_MARK = "easel-style"
_HIDE = (f'[data-testid="stElementContainer"]:has(.{_MARK}) {{ display: none !important; }}')


def style(css: str) -> None:
    """Apply `css` (rules, without the <style> tag) from here on; takes no room in the layout."""
    st.html(f'<style>{_HIDE}\n{css}</style><span class="{_MARK}"></span>')
