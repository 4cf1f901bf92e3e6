"""A fresh install in a real browser at a laptop's 1366×768: no keys, no secrets file, no EASEL_* variables, an
empty data directory. Every built-in provider is in the Provider list; picking one asks for its key right there;
Demo says it is offline and free and shows no fingerprint and no simulator address; the page title sits near the
top. Also saves the README's first-run screenshot (docs/screenshots/first-run.png)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BUILTIN_LABELS = ["Demo (offline simulator)", "icodeeasy", "QCode", "gccai", "openai-hk", "OpenAI-compatible"]


@pytest.fixture(scope="module")
def fresh_app(simulator, tmp_path_factory, start_app):
    """The app with nothing configured: start_app drops the developer's EASEL_*_API_KEY/_BASE_URL and points
    the secrets file at a path that does not exist; the env dict adds nothing."""
    with start_app(tmp_path_factory.mktemp("first-run"), simulator, {}) as server:
        assert not [p for p in server.data_dir.iterdir()], "the data directory starts empty"
        yield server


@pytest.fixture
def laptop(browser, fresh_app, wait_idle):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(fresh_app.url)
    wait_idle(page)
    page.wait_for_selector("h1")
    yield page
    context.close()


def test_first_run_every_provider_is_offered_and_asks_for_its_key(laptop, wait_idle):
    page = laptop
    sidebar = page.locator("[data-testid='stSidebar']")

    # The title starts near the top: no empty band above it.
    title = page.locator("[data-testid='stMain'] h1").first.bounding_box()
    assert title is not None and title["y"] < 80, title

    # Demo, selected by default: offline and free, no key fingerprint, no temporary simulator address.
    assert sidebar.get_by_role("combobox", name="Provider").input_value() == "Demo (offline simulator)"
    text = sidebar.inner_text()
    assert "fp-" not in text and "127.0.0.1" not in text, text
    assert "offline" in text.lower() and "free" in text.lower(), text

    # The Provider list holds every built-in provider, by label, with nothing configured.
    sidebar.locator("[data-testid='stSelectbox']").first.click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o for o in BUILTIN_LABELS if o not in options] == [], options

    # QCode asks for its key right there, says where to get one and that it stays in the session.
    page.get_by_role("option", name="QCode", exact=True).click()
    wait_idle(page)
    field = sidebar.locator("input[type='password']")
    assert field.count() == 1 and field.is_visible()
    assert field.get_attribute("placeholder") == "cr_…"
    assert sidebar.get_by_text("QCode API key").is_visible()
    sidebar.get_by_text("No API key").wait_for()
    text = sidebar.inner_text()
    assert "QCode.cc" in text and "Kept in this browser session only" in text, text
    assert "EASEL_" not in text                     # no environment variable is needed (it is in the tooltip)
    assert "api.qcode.cc" in text                   # the address, by host only

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "first-run.png"), full_page=False)


def test_the_header_toolbar_still_works_with_the_title_near_the_top(laptop, wait_idle):
    """The padding under the header shrank, not the header: the sidebar still collapses and comes back, and its
    expand button does not sit on the title."""
    page = laptop
    page.locator("[data-testid='stSidebar']").hover()
    page.locator("[data-testid='stSidebarCollapseButton'] button").click()
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    expand.wait_for()
    button, title = expand.bounding_box(), page.locator("[data-testid='stMain'] h1").first.bounding_box()
    assert title["y"] < 80
    overlap_x = button["x"] < title["x"] + title["width"] and title["x"] < button["x"] + button["width"]
    overlap_y = button["y"] < title["y"] + title["height"] and title["y"] < button["y"] + button["height"]
    assert not (overlap_x and overlap_y), (button, title)
    expand.click()
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.wait_for(state="visible")
