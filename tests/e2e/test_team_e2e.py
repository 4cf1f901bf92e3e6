"""Issue 20's proof in a real browser: two people, two browser contexts, two replicas, one team.

Replica A and replica B are two `streamlit run app.py` processes, each with a data directory of its own, on one
PostgreSQL database and one S3 bucket (SeaweedFS), both signing in through Streamlit's own `st.login` against one
OpenID Connect provider on loopback (oidc-provider-mock, tests/oidc_server.py). Each replica has a secrets file of
its own: its own `redirect_uri` (the provider sends the browser back to the replica it came from), the same
cookie secret and client.

Ana signs in on A, Ben on B; each generates on the Demo. Until Ana shares, each Gallery shows only its owner's
image, Ben's Tasks do not list Ana's job, no page of Ben's holds Ana's prompt (shadow roots included), and Ana's
comparison, opened on B by its link (`/compare?comparison=ID`, as the Compare page writes it) or through Tasks'
filter, is "not found" exactly as a made-up id is. Then Ana turns on "Share with team" on her result: Ben's Gallery
on B, reloaded, shows her image, served by B, and its lightbox offers Ben no Delete… and no share toggle (the
result is Ana's). Saves the README's team screenshot (docs/screenshots/team-gallery.png, Ben's Gallery).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from browsing import generate, page_html, wait_for_gallery_images
from oidc_server import free_port, oidc_provider  # noqa: F401 - oidc_provider is a fixture

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREEN = {"width": 1366, "height": 768}
ANA, BEN = "ana@example.com", "ben@example.com"
ANA_PROMPT = "Ana's teal heron at dawn"
BEN_PROMPT = "Ben's copper owl at dusk"
ANA_COMPARED = "Ana's saffron kite, compared"
MADE_UP_COMPARISON = "0123456789ab"
TILES = "[class*='st-key-gallery-grid-tiles'] .tile"


@pytest.fixture
def replicas(start_app, simulator, s3_server, pg_url, oidc_provider, tmp_path):  # noqa: F811 - the fixture
    """Replica A and replica B, signed-in mode, one database, one bucket."""
    env = {"EASEL_DATABASE_URL": pg_url, "EASEL_OBJECT_STORE": "s3://easel-test/e2e-team",
           "EASEL_S3_ENDPOINT_URL": s3_server.endpoint, "AWS_ACCESS_KEY_ID": s3_server.access_key,
           "AWS_SECRET_ACCESS_KEY": s3_server.secret_key, "AWS_REGION": s3_server.region}

    def replica(name: str):
        base = tmp_path / name
        base.mkdir()
        port = free_port()
        secrets = base / "team-secrets.toml"
        secrets.write_text(oidc_provider.auth_secrets(f"http://127.0.0.1:{port}"))
        return start_app(base, simulator, {**env, "EASEL_SECRETS_FILE": str(secrets),
                                           "STREAMLIT_SECRETS_FILES": str(secrets)}, port=port)

    with replica("a") as a, replica("b") as b:
        assert a.data_dir != b.data_dir and a.url != b.url      # nothing shared but the database and the bucket
        yield a, b


def _signed_in(browser, app, who: str, wait_idle, requests: list[str] | None = None):
    """A browser context of its own, signed in as `who` through the provider's form, on the app's home page."""
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page.set_default_timeout(90_000)
    if requests is not None:
        context.on("request", lambda r: requests.append(r.url))
    page.goto(app.url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=who, exact=True).click()          # the provider's button for this person
    page.locator("[data-testid='stSidebar']").get_by_text(f"Signed in as {who}").wait_for()
    wait_idle(page)
    return context, page


def _tab(context, url: str, wait_idle):
    """Another tab of the same person (the sign-in cookie is the context's): another Streamlit session."""
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(url)
    page.locator("[data-testid='stSidebarNav']").wait_for()
    wait_idle(page)
    return page


def _gallery_prompts(page, count: int) -> list[str]:
    """Once the Gallery's grid has at least `count` thumbnails, all loaded: each tile's prompt (its image's alt),
    sorted."""
    wait_for_gallery_images(page, count)
    images = page.locator(TILES).locator("img")
    return sorted(images.nth(i).get_attribute("alt") for i in range(images.count()))


def _compare(page, prompt: str, wait_idle) -> str:
    """Run the Compare page's default comparison (three Demo modes); its id, from the URL the page writes."""
    box = page.get_by_role("textbox", name="Prompt")
    box.fill(prompt)
    box.press("Control+Enter")
    wait_idle(page)
    page.locator(".st-key-cmp-go button").click()
    page.wait_for_url(re.compile(r"comparison=[0-9a-f]{12}"))
    for i in range(3):                                          # every column's image is in: all three finished
        page.locator(f".st-key-cmp-col-{i} img").first.wait_for()
    wait_idle(page)
    return re.search(r"comparison=([0-9a-f]{12})", page.url).group(1)


def _main_text(page) -> str:
    """What the main area says (the caller blanks the id it asked about, to compare two ids' answers)."""
    return page.locator("[data-testid='stMain']").inner_text()


def test_two_people_on_two_replicas_see_only_their_own_work_until_one_shares(replicas, oidc_provider, browser,  # noqa: F811
                                                                           wait_idle, go):
    from playwright.sync_api import expect      # here: without Playwright, conftest's chromium_path skips first

    a, b = replicas
    ben_requests: list[str] = []
    ctx_ana, ana = _signed_in(browser, a, ANA, wait_idle)
    ctx_ben, ben = _signed_in(browser, b, BEN, wait_idle, ben_requests)
    try:
        generate(ana, wait_idle, ANA_PROMPT)
        generate(ben, wait_idle, BEN_PROMPT)
        assert ana.locator(".st-key-gen-jobs-team_share").count() == 1     # her result's toggle, off
        assert not ana.locator(".st-key-gen-jobs-team_share input").is_checked()

        # Ana's comparison, in a second tab of hers on A (her first tab keeps her Generate result).
        ana_compare = _tab(ctx_ana, f"{a.url}/compare", wait_idle)
        cid = _compare(ana_compare, ANA_COMPARED, wait_idle)

        # --- before sharing: Ben's Gallery, Tasks and pages on B ---------------------------------------------
        go(ben, "Gallery")
        assert _gallery_prompts(ben, 1) == [BEN_PROMPT]
        html = {"gallery": page_html(ben)}
        go(ben, "Tasks")
        ben.locator("[data-testid='stText']", has_text=BEN_PROMPT).first.wait_for()
        wait_idle(ben)
        assert ben.get_by_text(ANA_PROMPT).count() == 0
        html["tasks"] = page_html(ben)

        # Ana's comparison by its link, and through Tasks' comparison filter: as for a made-up id, on B.
        seen = {}
        for path in ("compare", "tasks"):
            for name, cmp_id in (("ana", cid), ("made-up", MADE_UP_COMPARISON)):
                ben.goto(f"{b.url}/{path}?comparison={cmp_id}")
                ben.locator("[data-testid='stMain'] h1").first.wait_for()
                wait_idle(ben)
                if path == "compare":
                    ben.get_by_text(f"No comparison {cmp_id} in this data directory.").wait_for()
                else:
                    ben.get_by_text(f"Only the jobs of comparison {cmp_id}").wait_for()
                assert ben.locator("[data-testid='stImage']").count() == 0
                html[f"{path}?{name}"] = page_html(ben)
                seen[(path, name)] = _main_text(ben).replace(cmp_id, "ID")
            assert seen[(path, "ana")] == seen[(path, "made-up")], path
        for where, text in html.items():
            for secret in (ANA_PROMPT, ANA_COMPARED):
                assert secret not in text, (where, secret)

        # --- before sharing: Ana's Gallery on A, in another tab of hers --------------------------------------
        ana_gallery = _tab(ctx_ana, f"{a.url}/gallery", wait_idle)
        # Her image and her comparison's three.
        assert _gallery_prompts(ana_gallery, 4) == sorted([ANA_PROMPT] + [ANA_COMPARED] * 3)
        assert BEN_PROMPT not in page_html(ana_gallery)

        # --- Ana shares her result (the toggle under it on Generate) -----------------------------------------
        toggle = ana.locator(".st-key-gen-jobs-team_share")
        toggle.get_by_text("Share with team").click()
        toggle.get_by_text("Shared with team").wait_for()
        wait_idle(ana)
        assert toggle.locator("input").is_checked()

        # --- Ben reloads his Gallery on B: Ana's shared image, not her comparison's ------------------------
        ben.goto(f"{b.url}/gallery")
        ben.locator("[data-testid='stMain'] h1", has_text="Gallery").wait_for()
        wait_idle(ben)
        ben.locator(TILES, has_text=ANA_PROMPT).first.wait_for()
        assert _gallery_prompts(ben, 2) == sorted([ANA_PROMPT, BEN_PROMPT])
        after = page_html(ben)
        assert ANA_PROMPT in after and ANA_COMPARED not in after
        SHOTS.mkdir(parents=True, exist_ok=True)
        ben.screenshot(path=str(SHOTS / "team-gallery.png"), full_page=False)

        # Her image in the lightbox: Ben may look, download and reuse, but not delete nor unshare it.
        image = ben.locator(TILES, has_text=ANA_PROMPT).locator("img")
        image.scroll_into_view_if_needed()
        box = image.bounding_box()
        ben.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        dialog = ben.locator("[data-testid='stDialog'] [role='dialog']")
        dialog.locator("[data-testid='stText']", has_text=ANA_PROMPT).wait_for()
        wait_idle(ben)
        dialog.locator("[data-testid='stImage'] img").wait_for()
        assert dialog.get_by_role("button", name="Reuse settings").filter(visible=True).count() == 1
        assert dialog.get_by_role("button", name="Delete…").count() == 0
        assert dialog.get_by_text("Share with team").count() == dialog.get_by_text("Shared with team").count() == 0
        ben.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        wait_idle(ben)

        # The Gallery's "whose" filter: the team's shared images are Ana's one; his own are his one.
        for whose, prompt in (("Shared with team", ANA_PROMPT), ("Mine", BEN_PROMPT)):
            ben.locator(".st-key-gallery-whose [data-testid='stSelectbox']").click()
            ben.get_by_role("option", name=whose, exact=True).click()
            wait_idle(ben)
            expect(ben.locator(TILES)).to_have_count(1, timeout=60_000)
            expect(ben.locator(TILES, has_text=prompt)).to_have_count(1, timeout=60_000)
    finally:
        ctx_ana.close()
        ctx_ben.close()

    # Everything Ben's browser fetched on loopback came from B or the sign-in provider: the image was served by B,
    # not by A and not by the bucket's endpoint. (The provider's sign-in form also loads a stylesheet and fonts
    # from public CDNs; those carry nothing of Easel's.)
    loopback = {urlsplit(u).netloc for u in ben_requests if urlsplit(u).hostname in ("127.0.0.1", "localhost")}
    assert urlsplit(b.url).netloc in loopback
    assert loopback <= {urlsplit(b.url).netloc, urlsplit(oidc_provider.url).netloc}, loopback
