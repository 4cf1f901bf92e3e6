"""Easel's own error explanations speak the viewer's language; the provider's words, the codes and what the log
and the database store stay as they were (English for Easel's part, verbatim for the provider's)."""

from __future__ import annotations

import httpx
import pytest

from components.errors_view import error_parts
from easel.core import i18n
from easel.core.errors import EaselError, ValidationError, error_from_status, translate_logged
from easel.core.i18n import use_language
from easel.jobs.job_service import JobService
from easel.providers.catalog import BUILTIN
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest, validate
from easel.store import Store


def _invalid(provider: str, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as e:
        validate(ImageRequest("a lighthouse", **kw), BUILTIN[provider])
    return e.value


def test_a_wrong_size_renders_in_zh_and_ko_with_the_rules_numbers_intact():
    err = _invalid("openai-hk", size="512x512")
    assert err.code == "size_pixel_range"
    assert err.message == ("512x512 is 262,144 pixels; it must be between 655,360 and 8,294,400. "
                           "(openai-hk size rule: pixel_range)")
    assert err.render("zh") == ("512x512 为 262,144 像素；必须在 655,360 到 8,294,400 之间。"
                                "（openai-hk 尺寸规则：pixel_range）")
    assert err.render("ko") == ("512x512은(는) 262,144픽셀입니다. 655,360에서 8,294,400 사이여야 합니다. "
                                "(openai-hk 크기 규칙: pixel_range)")
    with use_language("zh"):
        assert err.message == err.render("zh")
        assert err.user_message() == f"{err.render('zh')} [size_pixel_range]"
    # What the log stores, whatever the language around it.
    with use_language("ko"):
        assert err.log_message() == f"{err.render('en')} [size_pixel_range]"
        assert str(err) == err.render("en")


def test_qcodes_fixed_sizes_are_named_in_every_language():
    err = _invalid("qcode", size="800x600")
    assert err.render("zh") == "QCode 只支持尺寸 1024x1024, 1024x1536, 1536x1024；收到的是 800x600。"
    assert err.render("ko") == "QCode은(는) 1024x1024, 1024x1536, 1536x1024 크기만 지원합니다. 입력값: 800x600."


def test_a_provider_error_shows_the_translated_explanation_and_the_providers_own_words():
    said = "Daily image limit reached for this key"
    err = error_from_status(429, "image_daily_limit", said, provider="QCode")
    assert err.provider_text == said
    assert err.render("zh") == ("此密钥已达到每日图片上限（QCode：每个密钥每天 100 张，北京时间 00:00 重置）。"
                                f"服务商原文：{said}")
    assert err.render("ko") == ("이 키가 일일 이미지 한도에 도달했습니다(QCode: 키당 하루 100장, 베이징 시간 00:00에 초기화). "
                                f"제공업체 원문: {said}")
    with use_language("zh"):
        message, code = error_parts(err)
    assert message == f"QCode: {err.render('zh')}" and code == "image_daily_limit · HTTP 429"
    # The English reading is what it always was.
    assert err.log_message() == ("QCode: This key reached its daily image cap (QCode: 100 images per key per day, reset "
                                 f"at 00:00 Beijing time). Provider said: {said} [image_daily_limit, HTTP 429]")


def test_a_422_in_the_providers_words_is_never_translated():
    err = error_from_status(422, None, "Invalid value for 'background'", provider="OpenAI-compatible")
    assert err.render("zh") == "Invalid value for 'background'."
    with use_language("zh"):
        assert error_parts(err) == ("OpenAI 兼容: Invalid value for 'background'.", "http_422 · HTTP 422")


def _qcode_429(request: httpx.Request) -> httpx.Response:
    return httpx.Response(429, json={"error": {"type": "rate_limit_error", "code": "image_daily_limit",
                                               "message": "daily cap 100/100"}})


@pytest.fixture
def zh_session():
    """What components/language.py installs for a browser session that chose Chinese."""
    previous = i18n._resolver
    i18n.set_language_resolver(lambda: "zh")
    yield
    i18n.set_language_resolver(previous)


def test_a_stored_jobs_error_stays_english_in_the_db_and_renders_translated_for_a_zh_session(easel_data_dir,
                                                                                          zh_session):
    def fake_qcode(profile, key, **kw):
        return ProviderClient(profile, key, transport=httpx.MockTransport(_qcode_429), max_retries=0, **kw)

    store = Store()
    service = JobService(store, client_factory=fake_qcode)
    try:
        client = fake_qcode(BUILTIN["qcode"], "cr_test_i18n_0123456789")
        # The job fails on the service's worker thread while a Chinese session is the one asking.
        job = service.wait(service.submit(client, ImageRequest("a lighthouse")), timeout=20)
    finally:
        service.close()
    row = Store().get_job(job.id)
    assert row.status == "failed" and row.error_code == "image_daily_limit"
    assert row.error_message == ("QCode: This key reached its daily image cap (QCode: 100 images per key per day, "
                                 "reset at 00:00 Beijing time). Provider said: daily cap 100/100 "
                                 "[image_daily_limit, HTTP 429]")
    message, code = error_parts(row.error_message)
    assert message == ("QCode: 此密钥已达到每日图片上限（QCode：每个密钥每天 100 张，北京时间 00:00 重置）。"
                       "服务商原文：daily cap 100/100")
    assert code == "image_daily_limit · HTTP 429"
    with use_language("en"):
        assert error_parts(row.error_message)[0] == row.error_message.rsplit(" [", 1)[0]


def test_stored_lines_with_params_and_retries_are_matched_back_to_their_entries():
    stored = ("The connection to QCode failed (ConnectError). (after 3 attempts)")
    timed_out = ("gccai's task t-1 did not finish within 600 s, so Easel stopped polling it. It may still finish "
                 "(and be billed): use 'Check now' to look again.")
    nested = "9000x9000: the longest side must be ≤ 3840 px. (openai-hk size rule: max_side)"
    with use_language("ko"):
        assert translate_logged(stored) == "QCode 연결에 실패했습니다(ConnectError). (3회 시도 후)"
        assert translate_logged(timed_out).startswith("gccai의 작업 t-1이(가) 600초 안에 끝나지 않아")
        assert translate_logged(nested) == "9000x9000: 긴 변은 3840 px 이하여야 합니다. (openai-hk 크기 규칙: max_side)"
        # A provider's reason is a verbatim field: never looked up, even when it reads like Easel's own words.
        assert translate_logged("Task t-2 failed: A prompt is required.") == "작업 t-2 실패: A prompt is required."
        # Text no entry produces (a provider's own sentence) comes back as it was.
        assert translate_logged("upstream exploded") == "upstream exploded"


def test_an_easel_error_keeps_its_id_and_params_for_rendering_later():
    err = EaselError("{label} takes no input images.", {"label": "Demo (offline simulator)"}, code="x")
    assert (err.msgid, err.params) == ("{label} takes no input images.", {"label": "Demo (offline simulator)"})
    # Easel's own label for the Demo is translated with the sentence around it.
    assert err.render("zh") == "Demo（离线模拟器） 不接受输入图片。"
    assert err.render("en") == "Demo (offline simulator) takes no input images."


def test_a_stored_422_keeps_the_providers_words_and_translates_only_easels_label():
    stored = "OpenAI-compatible: Your prompt was flagged by the safety system."
    with use_language("zh"):
        assert error_parts(f"{stored} [http_422, HTTP 422]") == (
            "OpenAI 兼容: Your prompt was flagged by the safety system.", "http_422 · HTTP 422")


def test_an_upload_that_cannot_be_shrunk_enough_names_the_limit_in_each_language():
    import io
    import os

    from PIL import Image

    from easel.core.errors import UploadError
    from easel.media import imaging

    noise = Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3))
    buf = io.BytesIO()
    noise.save(buf, "PNG")
    with pytest.raises(UploadError) as e:
        imaging.downscale(buf.getvalue(), max_side=256, max_pixels=256 * 256, max_bytes=10)
    assert e.value.code == "image_too_large"
    assert e.value.render("en") == "The uploaded file could not be made smaller than 0 MB."
    assert e.value.render("zh") == "上传的文件无法缩小到 0 MB 以下。"


def _error_page():
    from components import language
    from components.errors_view import show_error

    language.apply()
    show_error("QCode: The API key has expired. Provider said: key cr_… expired on 2026-01-01 [key_expired, HTTP 401]")


@pytest.mark.parametrize("lang, expected", [
    ("zh", "QCode: API 密钥已过期。服务商原文：key cr_… expired on 2026-01-01"),
    ("ko", "QCode: API 키가 만료되었습니다. 제공업체 원문: key cr_… expired on 2026-01-01"),
    ("en", "QCode: The API key has expired. Provider said: key cr_… expired on 2026-01-01"),
])
def test_show_error_speaks_the_sessions_language_and_keeps_the_code_line(lang, expected):
    from streamlit.testing.v1 import AppTest

    from components import md_escape

    at = AppTest.from_function(_error_page)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [md_escape(expected)]
    assert [c.value for c in at.caption] == [md_escape("key_expired · HTTP 401")]
