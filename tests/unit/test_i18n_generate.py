"""The Generate page's locale pieces outside a browser: money in each language's style (English keeps Easel's own
'USD 0.16'), messages queued in session state that stay English there and are translated when shown, and the size
words of the parameter form."""

from __future__ import annotations

import pickle

import pytest

from components import DeferredText, shown_text
from components.cost import money_text
from components.params import planned_size, size_label
from easel.core.i18n import use_language
from easel.core.models import Money
from easel.providers.catalog import BUILTIN


@pytest.mark.parametrize("lang, usd, cny, credits", [
    ("en", "USD 0.211", "CNY 0.40", "45,000 credits"),
    ("zh", "US$0.211", "¥0.40", "45,000 积分"),
    ("ko", "US$0.211", "CN¥0.40", "45,000 크레딧"),
])
def test_money_reads_in_the_sessions_language_with_the_figures_own_decimals(lang, usd, cny, credits):
    with use_language(lang):
        assert money_text(Money(0.211, "USD")) == usd
        assert money_text(Money(0.4, "CNY")) == cny
        assert money_text(Money(45_000, "credits")) == credits
        assert money_text(Money(0.06337, "USD")).endswith("0.06337")      # five decimals kept, not rounded
        assert money_text(Money(None, "USD")) == "USD ?"


def test_a_queued_message_is_english_in_state_and_translated_when_shown():
    done = DeferredText.ngettext("Done: {n} image from {provider}", "Done: {n} images from {provider}", 2,
                                 n=2, provider="demo")
    assert done == "Done: 2 images from demo"                 # what session state, tests and logs read
    kept = pickle.loads(pickle.dumps(done))                    # session state may be serialized
    with use_language("zh"):
        assert shown_text(kept) == "已完成：来自 demo 的 2 张图片"
        assert shown_text("already words") == "already words"
    with use_language("ko"):
        assert shown_text(done) == "완료: demo에서 이미지 2장"
        assert shown_text(DeferredText.gettext("Added as a reference on Generate")) == "생성 페이지의 참조 이미지로 추가했습니다"


def test_size_words_follow_the_language():
    qcode = BUILTIN["qcode"]
    with use_language("zh"):
        assert size_label(qcode, "1536x1024") == "1536x1024 · 横向"
        assert planned_size(qcode, {"size": "1024x1536"}) == "1024×1536 · 纵向"
        assert planned_size(qcode, {"size": "auto"}) == "auto：由服务商决定尺寸"
    with use_language("ko"):
        assert size_label(qcode, "1024x1024") == "1024x1024 · 정사각형"
        assert size_label(BUILTIN["openai"], "custom") == "사용자 지정 너비 × 높이…"
