"""A fresh server whose very first request is a deep link (/edit, as a shared link or a bookmark opens it) still
runs through app.py: the titled navigation, the wide layout and the provider sidebar, not Streamlit's file-name
list of pages/ and a page drawn alone (components/router.py says why Streamlit would do that)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

NAV_TITLES = ["Generate", "Edit", "Compare", "Tasks", "Gallery", "Boards", "Prompts", "PNG Info", "Usage", "Scorecard"]


@pytest.mark.parametrize("path, title", [("edit", "Edit"), ("usage", "Usage"), ("compare?comparison=abc", "Compare"),
                                         ("scorecard", "Scorecard")])
def test_the_first_request_to_a_fresh_server_can_be_a_deep_link(path, title, simulator, tmp_path_factory, start_app,
                                                                  browser, wait_idle):
    with start_app(tmp_path_factory.mktemp(f"deep-{path}"), simulator, {}) as server:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{server.url.rstrip('/')}/{path}")
        wait_idle(page)
        page.wait_for_selector("[data-testid='stMain'] h1")
        assert page.locator("[data-testid='stMain'] h1").first.inner_text() == title
        nav = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
        assert [t.split("\n")[-1].strip() for t in nav] == NAV_TITLES, nav
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_by_role("combobox", name="Provider").input_value() == "Demo (offline simulator)"
        # layout="wide" from app.py's page config: the main block uses most of the 1366 px, not a 736 px column.
        main = page.locator("[data-testid='stMainBlockContainer']").bounding_box()
        assert main is not None and main["width"] > 900, main
        context.close()
