"""Every page in Chinese and in Korean, in a real Chromium: no English UI text is left, and the layout still fits.

Each language gets its own fresh app and a browser whose language is that language, so the first visit also
proves that Easel follows the browser (`st.context.locale`) and writes the choice into the URL. The test
generates one image on the Demo provider first, so the Gallery, Tasks and Usage pages show data, not just their
empty states. The visible text of the main area and the sidebar, minus code blocks (code is code in every
language), must hold no English word outside ALLOWED. The Generate page is saved for the README in each language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from easel.core.i18n import _, use_language

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PAGES = ["Generate", "Edit", "Compare", "Tasks", "Gallery", "Boards", "Prompts", "PNG Info", "Usage", "Scorecard"]
PROMPTS = {"zh": "湖面上的一只红色小船，水彩", "ko": "호수 위의 빨간 작은 배, 수채화"}
BROWSER_LOCALE = {"zh": "zh-CN", "ko": "ko-KR"}

# Words that are the same in every language, and why:
ALLOWED = {
    # the brand, the providers and the model, as their docs spell them
    "Easel", "Demo", "demo", "icodeeasy", "QCode", "gccai", "openai", "hk", "OpenAI", "gpt", "image", "mini",
    # file formats, protocols and units
    "PNG", "JPEG", "JPG", "WEBP", "WebP", "ZIP", "CSV", "JSON", "URL", "API", "HTTP", "SSE", "UTC", "MB", "KB", "px",
    "USD", "CNY", "US", "CN", "Base", "Enter", "Ctrl",
    # the language picker names each language in its own words
    "English",
    # API parameter values shown as code words: sizes, ratios, qualities, formats, resolutions
    "auto", "low", "medium", "high", "opaque", "transparent", "png", "jpeg", "webp", "url", "b64_json",
}
# Streamlit's material icon names render as text in the DOM (the icon font draws them as glyphs).
ICON = re.compile(r"^[a-z0-9_]+$")


def _visible_text(page) -> str:
    """The main area's and the sidebar's text as the user reads it, with code blocks and icon ligatures left out."""
    return page.evaluate("""() => {
        const parts = [];
        for (const sel of ["[data-testid='stMain']", "[data-testid='stSidebar']"]) {
            const root = document.querySelector(sel);
            if (!root) continue;
            const copy = root.cloneNode(true);
            copy.querySelectorAll("pre, code, [data-testid='stCode'], [data-testid='stIconMaterial'], [translate='no'], "
                + "[data-testid='stImage'], style, script, .st-key-easel-streamlit-chrome").forEach(e => e.remove());
            document.body.appendChild(copy);             // innerText needs layout: read it attached, then drop it
            copy.style.position = "absolute"; copy.style.left = "-99999px";
            parts.push(copy.innerText);
            copy.remove();
            // A select box shows its chosen option as an input's value, which innerText leaves out.
            root.querySelectorAll("input[role='combobox']").forEach(i => parts.push(i.value));
        }
        return parts.join("\\n");
    }""")


def _english_words(text: str) -> list[str]:
    words = []
    for token in re.findall(r"[A-Za-z][A-Za-z_\-']*[A-Za-z]", text):
        for word in re.split(r"[-_']", token):
            if len(word) >= 2 and word not in ALLOWED and not (ICON.match(word) and "_" in token):
                words.append(token)
                break
    return words


def _generate(page, wait_idle, prompt: str) -> None:
    box = page.locator("[data-testid='stTextArea'] textarea").first
    box.fill(prompt)
    box.press("Control+Enter")
    wait_idle(page)
    page.locator("[data-testid='stBaseButton-primary']").first.click()
    page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_every_page_speaks_the_language_with_no_english_left(lang, simulator, tmp_path_factory, start_app, browser,
                                                            wait_idle):
    with use_language(lang):
        titles = {p: _(p) for p in PAGES}
    assert titles["Generate"] != "Generate"                 # the catalog is loaded at all
    with start_app(tmp_path_factory.mktemp(f"i18n-{lang}"), simulator, {}) as server:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=BROWSER_LOCALE[lang])
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(server.url)                                # no ?lang=: the browser's language decides
        wait_idle(page)
        page.wait_for_function(f"location.search.includes('lang={lang}')")
        _generate(page, wait_idle, PROMPTS[lang])
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"generate-{lang}.png"))

        leftovers, overflow = {}, {}
        for name in PAGES:
            page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=titles[name]).click()
            page.wait_for_selector(f"[data-testid='stMain'] h1:has-text('{titles[name]}')")
            wait_idle(page)
            page.wait_for_timeout(300)                       # the chrome translator runs after the render
            lines = [line for line in _visible_text(page).splitlines() if _english_words(line)]
            if lines:
                leftovers[name] = lines
            width = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollWidth")
            if width > 1366:
                overflow[name] = width
            assert f"lang={lang}" in page.url, (name, page.url)
        context.close()
    assert not leftovers, f"English left in {lang}: {leftovers}"
    assert not overflow, f"wider than the 1366 px window in {lang}: {overflow}"


def test_the_english_check_catches_english_and_spares_names_and_icons():
    assert _english_words("生成 · Generate now") == ["Generate", "now"]
    assert _english_words("QCode · gpt-image-2 · 1024x1024 · PNG · auto_awesome") == []
    assert _english_words("¥0.30 · US$0.04 · 12 MB") == []
