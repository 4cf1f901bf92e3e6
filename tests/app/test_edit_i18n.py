"""Edit, Prompts and Generate's Batch mode in Chinese and Korean (issue 18), under AppTest on the real app: a
`?lang=` link opens each page with its main controls in that language, the mask canvas's own toolbar tooltips
included; switching the language mid-session keeps what was typed and the result shown; a stored problem is
reworded by the switch rather than kept in the old language.

Real parts: app.py with its sidebar, the simulator over loopback HTTP, the SQLite store, the JobService threads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from test_edit_page import SRC_H, SRC_W, _canvas_value, _gallery_image, _source_id, _source_png

from components import md_escape
from easel.store import Store
from easel.store import prompt_library as lib
from app_session import open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# The exact words each language shows; the English source strings are beside them in the code.
EDIT = {
    "zh": dict(
        title="编辑", prompt="要修改什么？", placeholder="描述要做的修改，例如“湖上的一只红色小船”…", submit="编辑",
        source="源图：图库图片 #{id}，{w}×{h}", replace="替换", tools=["画笔", "橡皮擦", "矩形"], brush="画笔大小",
        undo="撤销", clear="清除", invert="反转", nothing="在需要修改的地方涂抹。未涂抹：不发送蒙版，模型可能会修改整张图片。",
        painted=r"图片的 \d+\.\d% 将被重绘。蒙版：1536×1024 PNG。", placeholder_result="结果会显示在这里，位于源图旁边，并带有前后对比滑块。",
        popovers=["保存提示词", "参考图", "蒙版文件", "选项"], library="提示词库", library_empty="已保存的提示词：暂无",
        canvas={"Undo": "撤销", "Redo": "重做", "Edit": "选择并移动笔画", "Reset canvas & history": "重置画布及其历史"},
        keep="保留蒙版外像素", wipe="编辑前 ◀ ▶ 编辑后", wiped="编辑前 ◀ | ▶ 编辑后，保留蒙版外像素",
        heatmap="差异（越亮 = 变化越大）", again="再次编辑", in_gallery="在图库中",
        no_source="请添加源图。", upload="源图（PNG、JPEG 或 WebP）", from_gallery="从图库选择"),
    "ko": dict(
        title="편집", prompt="무엇을 바꿀까요?", placeholder="바꿀 내용을 설명하세요. 예: “호수 위의 작은 빨간 배”…", submit="편집",
        source="원본: 갤러리 이미지 #{id}, {w}×{h}", replace="바꾸기", tools=["붓", "지우개", "박스"],
        brush="붓 크기", undo="되돌리기", clear="지우기", invert="반전",
        nothing="이미지에서 바꿀 곳을 칠하세요. 칠하지 않으면 마스크를 보내지 않으며, 모델이 이미지 전체를 바꿀 수 있습니다.",
        painted=r"이미지의 \d+\.\d%가 다시 그려집니다\. 마스크: 1536×1024 PNG\.",
        placeholder_result="결과가 원본 옆 이곳에 편집 전/후 슬라이더와 함께 표시됩니다.",
        popovers=["프롬프트 저장", "참조 이미지", "불러오기", "옵션"], library="프롬프트 라이브러리",
        library_empty="저장된 프롬프트: 아직 없음",
        canvas={"Undo": "되돌리기", "Redo": "다시 실행", "Edit": "획 선택 및 이동", "Reset canvas & history": "캔버스와 기록 초기화"},
        keep="마스크 밖 픽셀 유지", wipe="편집 전 ◀ ▶ 편집 후", wiped="편집 전 ◀ | ▶ 편집 후, 마스크 밖 픽셀 유지",
        heatmap="차이(밝을수록 많이 변함)", again="다시 편집", in_gallery="갤러리에서 보기",
        no_source="원본 이미지를 추가하세요.", upload="원본 이미지(PNG, JPEG 또는 WebP)", from_gallery="갤러리에서"),
}

PROMPTS = {
    "zh": dict(
        title="提示词", search="搜索", search_placeholder="搜索标题、标签或内容", tag="标签", any_tag="任意标签",
        starter="入门提示词", add_starter="添加入门提示词", export="导出", popovers=["新建提示词", "导入"],
        empty="**提示词库还是空的**。可在生成或编辑页保存提示词（“保存提示词”），也可从结果保存（图库中的“保存提示词”），"
              "或先添加入门提示词库。",
        count="1 / 1 条提示词", use_generate="在生成页使用", use_edit="在编辑页使用", edit="编辑", delete="删除…",
        delete_yes="永久删除", delete_no="保留", form=["标题", "标签", "尺寸", "质量", "服务商"], prompt="提示词",
        save="保存", cancel="取消", no_title="请填写标题。"),
    "ko": dict(
        title="프롬프트", search="검색", search_placeholder="제목, 태그 또는 내용 검색", tag="태그", any_tag="모든 태그",
        starter="스타터 프롬프트", add_starter="스타터 프롬프트 추가", export="내보내기", popovers=["새 프롬프트", "가져오기"],
        empty="**프롬프트 라이브러리가 비어 있습니다.** 생성 또는 편집 페이지에서(“프롬프트 저장”), 결과에서(갤러리의 “프롬프트 저장”) "
              "프롬프트를 저장하거나 스타터 라이브러리로 시작하세요.",
        count="프롬프트 1개 중 1개", use_generate="생성에서 사용", use_edit="편집에서 사용", edit="편집", delete="삭제…",
        delete_yes="영구 삭제", delete_no="유지", form=["제목", "태그", "크기", "품질", "제공업체"], prompt="프롬프트",
        save="저장", cancel="취소", no_title="제목을 입력하세요."),
}

BATCH = {
    "zh": dict(
        modes=["单张", "批量"], prompts="提示词，每行一条", placeholder="一只在台灯下读书的水彩狐狸\n雨中街道上的一只纸船",
        file="或一个 CSV 或 TXT 文件", defaults="每行的默认设置", send_none="发送批量",
        hint="粘贴提示词或上传文件：行数、费用和无效行会先显示在这里；按下发送之前不会发送任何内容。",
        counts="**3 行** · 待发送 3 · 无效 0", send="发送 3 行", estimate="预估：",
        invalid_counts="**2 行** · 待发送 1 · 无效 1", invalid_caption="这些行违反规则，不会发送：",
        columns={"Row": "行", "Rule": "规则", "Why": "原因", "Prompt": "提示词"}),
    "ko": dict(
        modes=["단일", "일괄 작업"], prompts="프롬프트(한 줄에 하나)",
        placeholder="램프 아래에서 책을 읽는 수채화 여우\n비 오는 거리의 종이배", file="또는 CSV나 TXT 파일",
        defaults="모든 행의 기본값", send_none="일괄 작업 보내기",
        hint="프롬프트를 붙여 넣거나 파일을 업로드하세요. 개수, 비용, 유효하지 않은 행이 먼저 여기에 표시되며, 보내기를 누르기 전에는 "
             "아무것도 보내지 않습니다.",
        counts="**3행** · 보낼 행 3 · 유효하지 않음 0", send="3행 보내기", estimate="예상: ",
        invalid_counts="**2행** · 보낼 행 1 · 유효하지 않음 1", invalid_caption="다음 행은 규칙에 어긋나 보내지 않습니다:",
        columns={"Row": "행", "Rule": "규칙", "Why": "이유", "Prompt": "프롬프트"}),
}


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(lang: str, page: str | None = None, **state) -> AppTest:
    """The app as a `?lang=` link opens it, then (optionally) one page, as a click in the navigation does."""
    return open_app(page, query={"lang": lang}, state=state)


def _popovers(at) -> list[str]:
    return [b.proto.popover.label for b in at.main.get("popover")]


def _plain(captions) -> list[str]:
    """Caption texts without md_escape's backslashes."""
    return [c.value.replace("\\", "") for c in captions]


def _switch_language(at: AppTest, lang: str) -> AppTest:
    return _ok(at.segmented_control(key="easel.lang_picker").set_value(lang).run())


def _canvas_titles(at) -> dict:
    """The tooltips Easel hands the component that rewords the canvas's own hover toolbar."""
    [style] = [el for el in at.get("bidi_component") if el.proto.component_name == "easel.canvas_style"]
    return json.loads(style.proto.json)["titles"]


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_edit_page_without_a_source_speaks_the_linked_language(lang, demo, jobs_for_test):
    t = EDIT[lang]
    at = _open(lang, "pages/edit.py")
    assert at.title[0].value == t["title"]
    prompt = at.text_area(key="edit.prompt")
    assert (prompt.label, prompt.placeholder) == (t["prompt"], t["placeholder"])
    assert at.button(key="edit.submit").label == t["submit"]
    assert at.file_uploader(key="edit.source.upload").label == t["upload"]
    assert t["from_gallery"] in _popovers(at)
    assert at.selectbox(key="edit.params.library").label == t["library"]
    assert at.selectbox(key="edit.params.library").placeholder == t["library_empty"]
    captions = [c.value for c in at.caption]
    assert md_escape(t["no_source"]) in captions and t["placeholder_result"] in captions


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_edit_page_with_a_source_speaks_the_linked_language_down_to_the_result(lang, demo, jobs_for_test):
    t = EDIT[lang]
    data = _source_png()
    image_id = _gallery_image(jobs_for_test.store, data)
    at = _open(lang, "pages/edit.py", **{"easel.edit_source": image_id})
    assert t["source"].format(id=image_id, w=SRC_W, h=SRC_H) in [x.value for x in at.text]
    assert at.button(key="edit.source.clear").label == t["replace"]
    assert at.segmented_control(key="edit.mask.tool").options == t["tools"]
    assert at.segmented_control(key="edit.mask.tool").value == "Brush"          # the value stays the English code
    assert at.slider(key="edit.mask.width").label == t["brush"]
    assert (at.button(key="edit.mask.undo").label, at.button(key="edit.mask.clear").label) == (t["undo"], t["clear"])
    assert at.toggle(key="edit.mask.invert").label == t["invert"]
    assert _popovers(at) == t["popovers"]
    assert t["nothing"] in [c.value for c in at.caption]
    titles = _canvas_titles(at)
    assert {k: titles[k] for k in t["canvas"]} == t["canvas"]
    assert len(titles) == 8                      # every button the canvas's toolbar has (undo … reset)

    at.session_state[f"edit.mask.canvas.{_source_id(data)}"] = _canvas_value()
    at.text_area(key="edit.prompt").input("a red boat")
    _ok(at.run())
    # The painted share, in the locale's percent format (its digits: test_the_painted_share_is_a_locale_percent).
    assert [c for c in _plain(at.caption) if re.fullmatch(t["painted"], c)]
    _ok(at.button(key="edit.submit").click().run())
    job_id = at.session_state["easel.last_job.edit"]
    assert jobs_for_test.wait(job_id, 60).status == "completed"
    _ok(at.run())
    assert at.toggle(key="edit.result.keep").label == t["keep"]
    assert at.slider(key="edit.result.wipe").label == t["wipe"]
    captions = [c for img in at.image for c in img.captions]
    assert t["wiped"] in captions and t["heatmap"] in captions
    [again] = [b for b in at.button if (b.key or "").startswith("edit.result.again.")]
    assert again.label == t["again"]
    assert t["in_gallery"] in [e.label for e in at.expander]


def test_the_painted_share_is_a_locale_percent():
    """The repaint caption's number comes from Babel's percent format, one decimal, in each language."""
    from easel.core.i18n import _, format_percent, use_language

    for lang, expected in (("en", "11.7% of the image will be repainted. Mask: 1536×1024 PNG."),
                           ("zh", "图片的 11.7% 将被重绘。蒙版：1536×1024 PNG。"),
                           ("ko", "이미지의 11.7%가 다시 그려집니다. 마스크: 1536×1024 PNG.")):
        with use_language(lang):
            line = _("{share} of the image will be repainted. Mask: {width}×{height} PNG.")
            assert line.format(share=format_percent(0.1172, 1), width=1536, height=1024) == expected


def test_switching_language_keeps_the_edit_prompt_the_mask_and_the_result(demo, jobs_for_test):
    data = _source_png()
    image_id = _gallery_image(jobs_for_test.store, data)
    at = _open("en", "pages/edit.py", **{"easel.edit_source": image_id})
    at.session_state[f"edit.mask.canvas.{_source_id(data)}"] = _canvas_value()
    at.segmented_control(key="edit.mask.tool").set_value("Rectangle")
    at.toggle(key="edit.mask.invert").set_value(True)
    at.text_area(key="edit.prompt").input("a lighthouse on the cliff")
    _ok(at.run())
    _ok(at.button(key="edit.submit").click().run())
    job_id = at.session_state["easel.last_job.edit"]
    assert jobs_for_test.wait(job_id, 60).status == "completed"
    _ok(at.run())
    assert at.toggle(key="edit.result.keep").label == "Keep unmasked pixels"
    _switch_language(at, "zh")
    assert at.query_params["lang"] == "zh"
    assert at.text_area(key="edit.prompt").value == "a lighthouse on the cliff"
    assert at.text_area(key="edit.prompt").label == "要修改什么？"
    assert at.segmented_control(key="edit.mask.tool").value == "Rectangle"
    assert at.toggle(key="edit.mask.invert").value is True
    assert [c for c in _plain(at.caption) if re.fullmatch(r"图片的 \d+\.\d% 将被重绘（已反转：着色区域以外的全部）。"
                                                         r"蒙版：1536×1024 PNG。", c)]
    assert at.session_state["easel.last_job.edit"] == job_id
    assert at.toggle(key="edit.result.keep").label == "保留蒙版外像素"
    _switch_language(at, "ko")
    assert at.text_area(key="edit.prompt").value == "a lighthouse on the cliff"
    assert at.button(key="edit.submit").label == "편집"


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_prompts_page_speaks_the_linked_language(lang, demo, jobs_for_test):
    t = PROMPTS[lang]
    at = _open(lang, "pages/prompts.py")
    assert at.title[0].value == t["title"]
    search = at.text_input(key="lib.search")
    assert (search.label, search.placeholder) == (t["search"], t["search_placeholder"])
    assert (at.selectbox(key="lib.tag").label, at.selectbox(key="lib.tag").placeholder) == (t["tag"], t["any_tag"])
    assert at.button(key="lib.starter").label == t["starter"]
    assert at.get("download_button")[0].proto.label == t["export"]
    assert _popovers(at) == t["popovers"]
    assert t["empty"] in [m.value for m in at.markdown]
    assert at.button(key="lib.starter.empty").label == t["add_starter"]

    p = lib.save_prompt(Store(), title="Owl", prompt="an owl at night", tags=["poster"])
    _ok(at.run())
    assert t["count"] in [c.value for c in at.caption]
    assert at.button(key=f"lib.use.Generate.{p.id}").label == t["use_generate"]
    assert at.button(key=f"lib.use.Edit.{p.id}").label == t["use_edit"]
    assert at.button(key=f"lib.edit.{p.id}.open").label == t["edit"]
    _ok(at.button(key=f"lib.del.{p.id}").click().run())
    assert (at.button(key=f"lib.del.{p.id}.yes").label, at.button(key=f"lib.del.{p.id}.no").label) == (
        t["delete_yes"], t["delete_no"])
    _ok(at.button(key=f"lib.del.{p.id}.no").click().run())
    _ok(at.button(key=f"lib.edit.{p.id}.open").click().run())
    k = f"lib.edit.{p.id}"
    assert [at.text_input(key=f"{k}.{f}").label for f in ("title", "tags", "size", "quality", "provider")] == t["form"]
    assert at.text_area(key=f"{k}.prompt").label == t["prompt"]
    assert (at.button(key=f"{k}.save").label, at.button(key=f"{k}.cancel").label) == (t["save"], t["cancel"])
    at.text_input(key=f"{k}.title").input("")
    _ok(at.button(key=f"{k}.save").click().run())
    assert [e.value for e in at.error] == [md_escape(t["no_title"])]


def test_a_prompts_page_problem_follows_a_language_switch(demo, jobs_for_test):
    """The problem is kept as its message, not a sentence: switching the language rewords it."""
    p = lib.save_prompt(Store(), title="Owl", prompt="an owl at night")
    at = _open("zh", "pages/prompts.py")
    _ok(at.button(key=f"lib.edit.{p.id}.open").click().run())
    at.text_input(key=f"lib.edit.{p.id}.title").input("")
    _ok(at.button(key=f"lib.edit.{p.id}.save").click().run())
    assert [e.value for e in at.error] == [md_escape("请填写标题。")]
    _switch_language(at, "ko")
    assert [e.value for e in at.error] == [md_escape("제목을 입력하세요.")]
    assert at.text_input(key=f"lib.edit.{p.id}.title").value == ""          # what was typed stays


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_generate_batch_mode_speaks_the_linked_language(lang, demo, jobs_for_test):
    t = BATCH[lang]
    at = _open(lang)
    mode = at.segmented_control(key="gen.mode")
    assert mode.options == t["modes"]
    # Set by the label shown, as the browser sends it (AppTest formats a raw value outside the session's language).
    _ok(mode.set_value(t["modes"][1]).run())
    assert at.segmented_control(key="gen.mode").value == "Batch"              # the stored value: the English code
    text = at.text_area(key="batch.text")
    assert (text.label, text.placeholder) == (t["prompts"], t["placeholder"])
    assert at.file_uploader(key="batch.file").label == t["file"]
    assert t["defaults"] in [e.label for e in at.expander]
    assert at.button(key="batch.go").label == t["send_none"]
    assert t["hint"] in [c.value for c in at.caption]

    at.text_area(key="batch.text").input("a red fox\na blue whale\na green owl\n")
    _ok(at.run())
    markdown = [m.value for m in at.markdown]
    assert t["counts"] in markdown
    assert any(m.startswith(md_escape(t["estimate"])) for m in markdown)
    assert at.button(key="batch.go").label == t["send"]
    # The switch keeps the pasted prompts and the mode.
    _switch_language(at, "en")
    assert at.text_area(key="batch.text").value == "a red fox\na blue whale\na green owl\n"
    assert at.segmented_control(key="gen.mode").value == "Batch"
    assert at.button(key="batch.go").label == "Send 3 rows"


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_the_invalid_rows_table_has_translated_headers_over_english_columns(lang, demo, jobs_for_test):
    t = BATCH[lang]
    at = _open(lang)
    at.selectbox(key="easel.demo.simulate").set_value("qcode")
    _ok(at.segmented_control(key="gen.mode").set_value(t["modes"][1]).run())
    csv = b"prompt,size,quality\na fox,1024x1024,low\nan owl,800x600,low\n"
    _ok(at.file_uploader(key="batch.file").set_value(("rows.csv", csv, "text/csv")).run())
    assert t["invalid_counts"] in [m.value for m in at.markdown]
    assert t["invalid_caption"] in [c.value for c in at.caption]
    table = at.dataframe[0]
    assert list(table.value.columns) == ["Row", "Rule", "Why", "Prompt"]
    config = json.loads(table.proto.columns)
    assert {name: config[name]["label"] for name in t["columns"]} == t["columns"]


def test_a_batchs_progress_and_failed_rows_speak_chinese(demo, jobs_for_test):
    from test_batch_page import _until_finished

    demo.set_faults([{"kind": "http_400", "times": 1, "endpoint": "submit"}])
    at = _open("zh")
    _ok(at.segmented_control(key="gen.mode").set_value("批量").run())
    at.text_area(key="batch.text").input("a red fox\na blue whale\n")
    _ok(at.run())
    _ok(at.button(key="batch.go").click().run())
    _until_finished(at, jobs_for_test.store)
    bid = at.session_state["easel.batch.current"]
    assert f"**批量 {bid}** · 已完成 1 · 失败 1 · 剩余 0" in [m.value for m in at.markdown]
    failed = at.dataframe[0]
    assert list(failed.value["Status"]) == ["失败"]                  # the stored status stays "failed"
    config = json.loads(failed.proto.columns)
    assert [config[c]["label"] for c in ("Row", "Status", "Code", "Error", "Prompt")] == [
        "行", "状态", "错误码", "错误", "提示词"]
    assert at.button(key=f"batch.retry.{bid}").label == "重试 1 个失败项"
    assert at.button(key=f"batch.gallery.{bid}").label == "在图库中查看"
    assert at.get("download_button")[0].proto.label == "下载 ZIP"
    # The Gallery's batch filter: the pasted batch's stored English name is worded in Chinese where it is shown.
    _ok(at.button(key=f"batch.gallery.{bid}").click().run())
    picker = at.selectbox(key="gallery.batch")
    assert picker.value == bid
    assert picker.options[0] == "全部批量"
    assert re.fullmatch(rf"批量 {bid[:6]} · 粘贴的提示词 · \d{{4}}/\d{{1,2}}/\d{{1,2}} \d{{2}}:\d{{2}}", picker.options[1])
    from easel.store import batches

    assert batches.get_batch(jobs_for_test.store, bid).name == "pasted prompts"
    assert [d.proto.label for d in at.get("download_button") if d.proto.id.endswith("gallery.batch.zip")] == ["批量 ZIP"]
