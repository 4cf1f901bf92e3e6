"""What several browser tests do the same way: generate on the Generate page, wait for the Gallery's thumbnails,
read a page's whole HTML. Imported by the tests in this folder (pytest puts a test file's folder on sys.path)."""

from __future__ import annotations


def generate(page, wait_idle, prompt: str) -> None:
    """Type the prompt, press Generate, and wait until this prompt's result caption is drawn."""
    box = page.get_by_label("Prompt")
    box.fill(prompt)
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=False).and_(
        page.locator("[data-testid='stBaseButton-primary']")).click()
    page.locator("[data-testid='stText']", has_text=prompt).first.wait_for(timeout=60_000)
    wait_idle(page)


def wait_for_gallery_images(page, at_least: int = 1) -> None:
    """Until the Gallery grid (one component, its tiles in a shadow root) has `at_least` thumbnails, all loaded."""
    page.wait_for_function("""(n) => {
        const host = document.querySelector("[class*='st-key-gallery-grid-tiles']");
        const imgs = host ? [...host.querySelectorAll('*')].flatMap(e => e.shadowRoot ?
            [...e.shadowRoot.querySelectorAll('img')] : []) : [];
        return imgs.length >= n && imgs.every(i => i.complete && i.naturalWidth > 0);
    }""", arg=at_least)


def page_html(page) -> str:
    """The page's HTML with every shadow root's (the gallery grid draws its tiles in one)."""
    return page.evaluate("""() => document.documentElement.outerHTML + [...document.querySelectorAll('*')]
        .filter(e => e.shadowRoot).map(e => e.shadowRoot.innerHTML).join('')""")
