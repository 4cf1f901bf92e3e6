"""Two replicas of the app, in a real browser: one PostgreSQL and one S3 bucket (SeaweedFS) behind two `streamlit
run app.py` processes, each with a data directory of its own. An image generated on replica A is in replica B's
Gallery, served by B, and neither page carries a storage credential, the endpoint or a bucket URL."""

from __future__ import annotations

import pytest

from browsing import generate, page_html, wait_for_gallery_images  # noqa: E402

pytestmark = pytest.mark.e2e

PROMPT = "A glass lighthouse made on replica A"


def _page(browser, url, wait_idle, requests):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    wait_idle(page)
    return context, page


def test_an_image_made_on_replica_a_is_in_replica_bs_gallery_with_no_storage_secret_in_the_pages(
        start_app, simulator, s3_server, pg_url, browser, tmp_path, wait_idle, go):
    env = {"EASEL_DATABASE_URL": pg_url, "EASEL_OBJECT_STORE": "s3://easel-test/e2e-replicas",
           "EASEL_S3_ENDPOINT_URL": s3_server.endpoint, "AWS_ACCESS_KEY_ID": s3_server.access_key,
           "AWS_SECRET_ACCESS_KEY": s3_server.secret_key, "AWS_REGION": s3_server.region}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    requests: list[str] = []
    with start_app(tmp_path / "a", simulator, env) as replica_a, start_app(tmp_path / "b", simulator, env) as replica_b:
        assert replica_a.data_dir != replica_b.data_dir          # nothing shared but the database and the bucket
        context_a, page_a = _page(browser, replica_a.url, wait_idle, requests)
        generate(page_a, wait_idle, PROMPT)
        html = [page_html(page_a)]

        context_b, page_b = _page(browser, replica_b.url, wait_idle, requests)
        go(page_b, "Gallery")
        tile = page_b.locator("[class*='st-key-gallery-grid-tiles'] .tile", has_text=PROMPT).first
        tile.locator("img").wait_for()
        wait_for_gallery_images(page_b)
        html.append(page_html(page_b))
        context_a.close()
        context_b.close()
    # The image reached B's browser through B: no request went to the S3 endpoint.
    endpoint = s3_server.endpoint.split("://", 1)[1]
    assert not [u for u in requests if endpoint in u]
    for seen in html:
        for secret in (s3_server.access_key, s3_server.secret_key, endpoint, "s3://", "easel-test", pg_url,
                       pg_url.split("@")[-1]):
            assert secret not in seen, secret
