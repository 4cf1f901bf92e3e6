"""Issue 7 §3, unit level: uploads are sniffed, size-capped and opened behind Pillow's pixel cap; keys never reach
a repr, an error message, the usage log, image metadata or a ZIP; result URLs never reach a download or a log."""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile

import httpx
import pytest
from PIL import Image

from components import md_escape
from components.edit_inputs import check_upload
from components.errors_view import error_parts
from components.gallery import download_bytes
from easel.store import zip_export
from easel.media import imaging
from easel.providers.catalog import get_profile
from easel.providers.client import ProviderClient
from easel.core.errors import AuthError, UploadError
from easel.jobs.job_service import scrub
from easel.jobs.keyring import KeyRing
from easel.core.models import ImageOut
from easel.providers.request import ImageInput, ImageRequest, validate
from easel.simulator import render
from easel.store import Store

KEY = "sk_test_SECRETSENTINEL_unit_5b1c9e"
QCODE = get_profile("qcode")


def _png(w: int = 64, h: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


# --- uploads -----------------------------------------------------------------------------------------------

def test_a_png_name_over_text_bytes_is_refused_by_sniffing():
    with pytest.raises(UploadError) as e:
        check_upload(b"hello, I am text pretending to be a picture", "photo.png", QCODE, label="upload")
    assert e.value.code == "unsupported_image_type"
    assert "photo.png is not a PNG, JPEG or WebP image (checked from its bytes" in e.value.user_message()
    # The request model refuses it too, whatever page built the request.
    with pytest.raises(UploadError) as e2:
        validate(ImageRequest(prompt="x", images=[ImageInput.from_bytes(b"GIF89a....", "a.png")]), QCODE)
    assert e2.value.code == "unsupported_image_type"


def test_an_upload_over_the_providers_size_cap_is_refused_before_decoding():
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (QCODE.max_upload_bytes + 1)
    with pytest.raises(UploadError) as e:
        check_upload(big, "huge.png", QCODE, label="upload")
    assert e.value.code == "image_too_large" and "at most 25 MB per file" in e.value.message
    with pytest.raises(UploadError) as e2:
        validate(ImageRequest(prompt="x", images=[ImageInput.from_bytes(big, "huge.png")]), QCODE)
    assert e2.value.code == "image_too_large"


def test_a_decompression_bomb_upload_is_refused_and_pillows_limit_is_kept():
    bomb = render.bomb_png()
    assert len(bomb) < 1_000_000                                   # tiny on disk ...
    with pytest.raises(UploadError) as e:
        check_upload(bomb, "bomb.png", QCODE, label="upload")     # ... refused before it is decoded
    assert e.value.code == "decompression_bomb" and "safety cap" in e.value.message
    with pytest.raises(UploadError):
        imaging.image_size(bomb)
    # Easel never switches Pillow's own guard off; its own cap is the stricter one.
    assert Image.MAX_IMAGE_PIXELS is not None and imaging.MAX_PIXELS < Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises((Image.DecompressionBombError, Image.DecompressionBombWarning)):
            Image.open(io.BytesIO(bomb)).load()


def test_a_normal_upload_passes():
    src = check_upload(_png(), "ok.png", QCODE, label="upload")
    assert src.size == (64, 48) and src.mime == "image/png"


# --- keys ------------------------------------------------------------------------------------------------------

def test_no_repr_of_a_client_or_the_keyring_shows_the_key():
    client = ProviderClient(QCODE, KEY, base_url="http://127.0.0.1:9/qcode")
    ring = KeyRing()
    ring.register(client)
    entry = ring.get(*next(iter([(QCODE.id, client.fingerprint)])))
    for text in (repr(client), str(client), repr(ring), repr(entry)):
        assert KEY not in text and "SECRETSENTINEL" not in text
    assert client.fingerprint in repr(client)
    client.close()


def test_a_provider_that_echoes_the_key_in_its_error_does_not_put_it_in_the_message():
    """Some gateways answer 401 with 'Invalid API key: <the key>'. The message Easel shows and logs must not
    carry it on."""
    def handler(request: httpx.Request) -> httpx.Response:
        sent = request.headers["authorization"][7:]
        return httpx.Response(401, json={"error": {"type": "authentication_error", "code": "invalid_api_key",
                                                   "message": f"Invalid API key: {sent}"}})

    client = ProviderClient(QCODE, KEY, base_url="http://provider.test/qcode-img/v1",
                            transport=httpx.MockTransport(handler))
    with pytest.raises(AuthError) as e:
        client.generate(ImageRequest(prompt="x"))
    client.close()
    assert "SECRETSENTINEL" not in e.value.user_message() and "SECRETSENTINEL" not in str(e.value)
    assert "invalid_api_key, HTTP 401" in e.value.user_message()
    # The pages' two-part form (plain words, then the code) carries it no more than the one-line form.
    message, code = error_parts(e.value)
    assert "SECRETSENTINEL" not in message + code and code == "invalid_api_key · HTTP 401"
    assert error_parts(e.value.user_message()) == (message, code)


# --- what leaves through downloads and logs ---------------------------------------------------------------

def test_downloads_and_zips_carry_prompt_and_parameters_but_no_key_or_result_url(easel_data_dir):
    store = Store()
    url = "http://127.0.0.1:9/icodeeasy/v1/images/files/gpt-image-2/20260101/secret-credential-url.png"
    job_id = store.create_job(provider="icodeeasy", prompt="<img src=x onerror=alert(1)>", status="completed",
                              params={"prompt": "<img src=x onerror=alert(1)>", "quality": "low"},
                              key_fingerprint="fp-0000000000", n=1)
    row = store.add_image(job_id, 0, ImageOut(data=_png(), width=64, height=48, mime="image/png",
                                              source_url=url))
    for fmt in ("png", "jpeg", "webp"):
        data = download_bytes(store, row, fmt)
        assert b"SECRETSENTINEL" not in data and b"secret-credential-url" not in data, fmt
        assert b"fp-0000000000" not in data, fmt
    png = Image.open(io.BytesIO(download_bytes(store, row, "png")))
    assert json.loads(png.text["easel"])["prompt"] == "<img src=x onerror=alert(1)>"      # kept verbatim, as data
    assert png.text["parameters"].startswith("<img src=x onerror=alert(1)>\n")
    with zipfile.ZipFile(zip_export.zip_to_temp_file(store)) as zf:
        blobs = {i.filename: zf.read(i) for i in zf.infolist()}
    assert all(b"SECRETSENTINEL" not in b and b"secret-credential-url" not in b and b"fp-0000000000" not in b
               for b in blobs.values())
    assert b"tEXtparameters\0<img src=x" in blobs["easel-" + job_id[:8] + "-1.png"]    # the ZIP's PNG is stamped
    assert json.loads(blobs["manifest.json"])[0]["prompt"] == "<img src=x onerror=alert(1)>"
    store.close()


def test_metadata_drops_anything_named_like_a_credential():
    data = imaging.convert(_png(), "png", {"prompt": "p", "api_key": KEY, "Authorization": f"Bearer {KEY}",
                                          "client_secret": KEY})
    assert Image.open(io.BytesIO(data)).text == {"prompt": "p"}


def test_log_text_loses_urls_and_markdown_is_escaped():
    assert scrub("fetch http://host/f/image/abc.png?sig=1 failed") == "fetch <url> failed"
    for prompt in ("![x](http://example.com/t.png)", "<img src=x onerror=alert(1)>"):
        escaped = md_escape(prompt)
        assert re.search(r"(?<!\\)[<>\[\]()!]", escaped) is None, escaped   # every markdown/HTML char escaped
