"""In a real browser, with the app's images on S3 (SeaweedFS): generate on Demo, see the result and its Gallery
tile, download it, and find nothing of the store in what the browser got: no request to the S3 endpoint, and no
bucket, endpoint or key in the page. Images reach the browser through the app (Streamlit's media URLs)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from browsing import generate, page_html, wait_for_gallery_images  # noqa: E402

pytestmark = pytest.mark.e2e

PROMPT = "A copper kettle on a windowsill, stored in a bucket"


def test_images_on_s3_are_served_by_the_app_and_never_by_the_bucket(start_app, simulator, s3_server, browser,
                                                                      tmp_path, wait_idle, go):
    bucket, prefix = "easel-test", "e2e-served"
    env = {"EASEL_OBJECT_STORE": f"s3://{bucket}/{prefix}", "EASEL_S3_ENDPOINT_URL": s3_server.endpoint,
           "AWS_ACCESS_KEY_ID": s3_server.access_key, "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
           "AWS_REGION": s3_server.region}
    with start_app(tmp_path, simulator, env) as server:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(server.url)
        wait_idle(page)
        generate(page, wait_idle, PROMPT)
        page.wait_for_function("[...document.querySelectorAll(\"[data-testid='stImage'] img\")]"
                               ".some(i => i.complete && i.naturalWidth > 0)")
        pages_html = [page_html(page)]

        go(page, "Gallery")
        tile = page.locator("[class*='st-key-gallery-grid-tiles'] .tile", has_text=PROMPT).first
        tile.locator("img").wait_for()
        wait_for_gallery_images(page)
        tile.locator("button.open").click()
        dialog = page.locator("[data-testid='stDialog'] [role='dialog']")
        dialog.locator("[data-testid='stText']", has_text=PROMPT).wait_for()
        with page.expect_download() as info:
            dialog.locator("[data-testid='stDownloadButton'] button", has_text="PNG").first.click()
        data = Path(info.value.path()).read_bytes()
        pages_html.append(page_html(page))
        context.close()

    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.size == (1024, 1024)
    # The image and its thumbnails are in the bucket under the prefix, and not in the app's data directory.
    keys = [o.object_name for o in s3_server.client().list_objects(bucket, prefix=f"{prefix}/", recursive=True)]
    assert [k.split("/")[1] for k in keys if k.endswith(".png") and "/images/" in k] == ["images"]
    assert sum("/thumbs/" in k for k in keys) >= 2
    assert not (server.data_dir / "images").exists() and not (server.data_dir / "thumbs").exists()
    # No request went to the S3 endpoint (images came from the app's own /media/ URLs); the page names no bucket, endpoint or key.
    s3_host = s3_server.endpoint.split("://", 1)[1]
    assert not [u for u in requests if s3_host in u]
    assert any(u.startswith(f"{server.url}/media/") for u in requests)     # the result, from the app's media store
    for html in pages_html:
        for secret in (s3_host, s3_server.access_key, s3_server.secret_key, f"s3://{bucket}", f"/{prefix}/"):
            assert secret not in html
