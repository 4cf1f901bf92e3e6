"""PNG Info: Easel's own chunk and A1111's `parameters` written and read back, the credential filter, the chunk
splice that stamps a stored PNG without re-encoding it, and the plain answers for no metadata and corrupt bytes."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, PngImagePlugin

from easel.core import png_text
from easel.core.errors import UploadError
from easel.media import imaging, png_info

JOB_PARAMS = {"prompt": "一只橘猫 in a \"tiny\" hat, watercolor", "model": "gpt-image-2", "size": "1536x1024",
              "resolution": None, "quality": "high", "n": 2, "extras": {"background": "opaque", "user": "alice"},
              "images": [], "mask": None, "async_": False, "edit": False, "stream": False, "partial_images": None}
# What the job asked, as PNG Info must give it back.
JOB_SETTINGS = {"provider": "openai-hk", "model": "gpt-image-2", "size": "1536x1024", "quality": "high", "n": 2,
                "background": "opaque", "image_size": "1536x1024"}

# A realistic A1111 infotext: a Chinese prompt over two lines, a negative prompt, quoted values with commas and
# colons, a hash, and keys with spaces.
A1111_TEXT = ("一只穿着宇航服的柴犬, masterpiece, best quality\n"
              "standing on the moon, <lora:shiba_v2:0.8>\n"
              "Negative prompt: lowres, bad anatomy, (worst quality:1.4)\n"
              'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 3141592653, Size: 832x1216, '
              'Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Denoising strength: 0.35, '
              'Lora hashes: "shiba_v2: 8d3f1a2b3c4d, extra: 99aa", '
              'TI hashes: "easynegative: c74b4e810b03", Hires upscaler: "4x-UltraSharp", Version: v1.9.4')


def png(w=64, h=48, text: dict | None = None, *, ztxt: dict | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_itxt(k, v) if any(ord(c) > 255 for c in v) else info.add_text(k, v)
    for k, v in (ztxt or {}).items():
        info.add_text(k, v, zip=True)
    out = io.BytesIO()
    Image.new("RGB", (w, h), (200, 80, 40)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _chunks(prompt=JOB_PARAMS["prompt"]):
    return png_text.chunks_for(prompt, png_text.settings_from_job("openai-hk", JOB_PARAMS, width=1536, height=1024))


def test_an_easel_png_reads_back_the_jobs_prompt_and_settings():
    data = png_info.download(png(1536, 1024), "png", _chunks())
    img = Image.open(io.BytesIO(data))
    assert set(img.text) == {"easel", "parameters", "Software"}
    info = png_info.read_info(data)
    assert info == png_info.ImageInfo("easel", JOB_PARAMS["prompt"], "", JOB_SETTINGS)
    assert info.to_json() == {"source": "easel", "prompt": JOB_PARAMS["prompt"], "negative_prompt": "",
                              "settings": JOB_SETTINGS}


def test_the_a1111_chunk_easel_writes_reads_back_through_the_a1111_parser():
    text = Image.open(io.BytesIO(png_info.download(png(), "png", _chunks()))).text["parameters"]
    assert text == ('一只橘猫 in a "tiny" hat, watercolor\n'
                    "Provider: openai-hk, Model: gpt-image-2, Requested size: 1536x1024, Quality: high, "
                    "Batch size: 2, Background: opaque, Size: 1536x1024, Software: Easel")
    prompt, negative, params = png_text.parse_a1111(text)
    assert (prompt, negative) == (JOB_PARAMS["prompt"], "")
    assert png_text.a1111_settings(params) == JOB_SETTINGS
    # Only the A1111 chunk (Easel's own stripped): the same settings come back.
    only = png_text.stamp_png_bytes(png(), {"parameters": text})
    assert png_info.read_info(only) == png_info.ImageInfo("a1111", JOB_PARAMS["prompt"], "", JOB_SETTINGS)


def test_an_a1111_png_parses_into_prompt_negative_size_and_other_settings_as_is():
    info = png_info.read_info(png(text={"parameters": A1111_TEXT}))
    assert info.source == "a1111"
    assert info.prompt == "一只穿着宇航服的柴犬, masterpiece, best quality\nstanding on the moon, <lora:shiba_v2:0.8>"
    assert info.negative_prompt == "lowres, bad anatomy, (worst quality:1.4)"
    assert info.settings == {
        "Steps": "28", "Sampler": "DPM++ 2M Karras", "CFG scale": "7", "Seed": "3141592653",
        "image_size": "832x1216", "size": "832x1216", "Model hash": "31e35c80fc", "model": "sd_xl_base_1.0",
        "Denoising strength": "0.35", "Lora hashes": "shiba_v2: 8d3f1a2b3c4d, extra: 99aa",
        "TI hashes": "easynegative: c74b4e810b03", "Hires upscaler": "4x-UltraSharp", "Version": "v1.9.4"}


@pytest.mark.parametrize("kind", ["tEXt", "iTXt", "zTXt"])
def test_every_png_text_chunk_kind_is_read(kind):
    text = A1111_TEXT if kind == "iTXt" else A1111_TEXT.replace("一只穿着宇航服的柴犬", "a shiba")   # Latin-1
    data = png(ztxt={"parameters": text}) if kind == "zTXt" else png(text={"parameters": text})
    assert data[37:41] == kind.encode()                 # the first chunk after IHDR is of the kind under test
    assert png_info.read_info(data).settings["Seed"] == "3141592653"


def test_a_prompt_only_a1111_text_is_all_prompt():
    info = png_info.read_info(png(text={"parameters": "a cat: orange, fluffy"}))
    assert (info.source, info.prompt, info.settings) == ("a1111", "a cat: orange, fluffy", {})


def test_an_older_easel_download_with_a_json_parameters_chunk_still_reads_as_easel():
    old = {"prompt": "a fox", "provider": "demo", "model": "gpt-image-2", "size": "1024x1024", "quality": "low",
           "software": "Easel", "parameters": json.dumps({"model": "gpt-image-2", "size": "auto", "quality": "low",
                                                           "n": 1})}
    info = png_info.read_info(png(text=old))
    assert (info.source, info.prompt) == ("easel", "a fox")
    assert info.settings == {"provider": "demo", "model": "gpt-image-2", "size": "auto", "quality": "low", "n": 1}


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_jpeg_and_webp_downloads_carry_the_same_settings_in_exif(fmt):
    info = png_info.read_info(png_info.download(png(1536, 1024), fmt, _chunks()))
    assert info == png_info.ImageInfo("easel", JOB_PARAMS["prompt"], "", JOB_SETTINGS)


def test_an_a1111_jpeg_user_comment_is_read():
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + A1111_TEXT.encode("utf-16-be")
    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "JPEG", exif=exif.tobytes())
    info = png_info.read_info(out.getvalue())
    assert info.source == "a1111" and info.negative_prompt.startswith("lowres") and info.settings["Steps"] == "28"


def test_no_metadata_says_none_and_corrupt_bytes_raise_the_rule():
    assert png_info.read_info(png()) == png_info.ImageInfo("none")
    broken = png()[:60]
    with pytest.raises(UploadError) as e:
        png_info.read_info(broken)
    assert e.value.code == "corrupt_image"
    with pytest.raises(UploadError) as e:
        png_info.read_info(b"hello, not an image")
    assert e.value.code == "unsupported_image_type"


def test_the_credential_filter_keeps_keys_fingerprints_and_urls_out_of_every_chunk():
    secret_key, url = "sk-live-abcdef123456", "https://files.example.com/r/abc.png?sig=XYZSECRET"
    params = {**JOB_PARAMS, "api_key": secret_key, "key_fingerprint": "sk-…3456", "result_url": url,
              "images": [{"name": "ref.png", "url": url}],
              "extras": {"background": "opaque", "auth_token": "tok-SECRET", "output_format": url}}
    settings = png_text.settings_from_job("openai-hk", params)
    settings.update({"api_key": secret_key, "Authorization": f"Bearer {secret_key}", "nested": {"key": secret_key},
                     "source": url})
    chunks = png_text.chunks_for("a fox", settings)
    data = png_info.download(png(), "png", {**chunks, "api_key": secret_key, "provider_url": url})
    for needle in (secret_key.encode(), b"XYZSECRET", b"tok-SECRET", b"sk-\xe2\x80\xa63456", b"files.example.com"):
        assert needle not in data
    # imaging's own filter, kept: a chunk whose name says key is never written.
    assert set(Image.open(io.BytesIO(data)).text) == {"easel", "parameters", "Software"}
    assert imaging._safe_metadata({"api_key": "x", "Authorization": "y", "prompt": "p"}) == {"prompt": "p"}


def test_stamping_a_stored_png_adds_the_chunks_without_touching_its_pixels_or_other_chunks():
    original = png(300, 200, text={"Comment": "from the provider", "parameters": "stale"})
    stamped = png_info.stamp(original, _chunks())
    img = Image.open(io.BytesIO(stamped))
    assert img.text["Comment"] == "from the provider" and img.text["parameters"] != "stale"
    assert png_info.read_info(stamped).settings == JOB_SETTINGS
    assert img.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    # Stamped right after IHDR, as one block, and every byte of the original's other chunks is kept.
    ihdr_end = 8 + 25
    assert stamped[:ihdr_end] == original[:ihdr_end]
    block = b"".join(png_text.text_chunk(k, v) for k, v in _chunks().items())
    assert stamped[ihdr_end:ihdr_end + len(block)] == block
    assert png_info.stamp(b"\xff\xd8\xff jpeg bytes", _chunks()) == b"\xff\xd8\xff jpeg bytes"
    with pytest.raises(ValueError):
        png_text.stamp_png_bytes(b"GIF89a not a png", _chunks())
    # A file cut mid-chunk is handed out as far as it goes, stamped, never shorter than it was.
    plain = png(300, 200)
    assert png_text.stamp_png_bytes(plain[:100], _chunks()) == plain[:ihdr_end] + block + plain[ihdr_end:100]
