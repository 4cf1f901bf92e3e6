"""README.zh-CN.md and README.ko.md stay line for line with README.md in everything that is not prose.

The three files must have the same `##` / `###` / `####` headings in the same order of levels, the same fenced
code blocks (only `#` comments may be translated), the same inline code spans (commands, flags, env vars, paths,
JSON keys, URLs, error codes), the same links and images (except that the Generate screenshot is the language's
own, `generate-zh.png` / `generate-ko.png`, written by the i18n e2e test), and each links to the other two
right under its title.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# file -> (language suffix of its Generate screenshot, the language line under its title)
READMES = {
    "README.md": ("", "**English** · [简体中文](README.zh-CN.md) · [한국어](README.ko.md)"),
    "README.zh-CN.md": ("-zh", "[English](README.md) · **简体中文** · [한국어](README.ko.md)"),
    "README.ko.md": ("-ko", "[English](README.md) · [简体中文](README.zh-CN.md) · **한국어**"),
}
TRANSLATIONS = ["README.zh-CN.md", "README.ko.md"]

FENCE = re.compile(r"^```(\S*)\s*$")
HEADING = re.compile(r"^(#{2,4}) \S")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`]+)`")
COMMENT = re.compile(r"(^|\s)#.*$")
# A line of the layout tree ("How it is built") names a path first; the rest of the line is prose.
TREE_PATH = re.compile(r"^(\s*)(\S+/|\S+\.py)(\s|$)")


def _parse(text: str) -> dict:
    """Headings, fenced blocks, links and code spans of one README; only lines outside fences count as prose."""
    headings: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    prose: list[str] = []
    fence: tuple[str, list[str]] | None = None
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = (match.group(1), [])
        elif fence is not None and line.strip() == "```":
            blocks.append(fence)
            fence = None
        elif fence is not None:
            fence[1].append(line)
        else:
            prose.append(line)
            heading = HEADING.match(line)
            if heading:
                headings.append(heading.group(1))
    assert fence is None, "a code fence is never closed"
    prose_text = "\n".join(prose)
    # A code span may wrap onto the next line (the JSON shapes do); compare it with its whitespace folded.
    spans = [" ".join(span.split()) for span in CODE_SPAN.findall(prose_text)]
    return {"headings": headings, "blocks": blocks, "links": LINK.findall(prose_text), "spans": spans,
            "lines": text.splitlines()}


def _block_key(info: str, lines: list[str]) -> tuple[str, list]:
    """What must not change in a code block: the code without its `#` comments, or, in the untagged layout
    tree, the path column with its indentation."""
    if info == "":
        return info, [(m.group(1), m.group(2)) for m in map(TREE_PATH.match, lines) if m]
    code = [COMMENT.sub("", line).rstrip() for line in lines]
    return info, [line for line in code if line.strip()]


def _links_without_languages(name: str, links: list[str]) -> Counter:
    """Links and image paths, the language links left out and the Generate screenshot named as in English."""
    suffix = READMES[name][0]
    own = f"docs/screenshots/generate{suffix}.png"
    return Counter("docs/screenshots/generate.png" if link == own else link
                   for link in links if link not in READMES)


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    return {name: _parse((ROOT / name).read_text(encoding="utf-8")) for name in READMES}


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_same_headings_in_the_same_order(parsed, name):
    english = parsed["README.md"]["headings"]
    assert len(english) >= 20, "the English README's tour has lost its headings"
    assert parsed[name]["headings"] == english


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_same_code_blocks(parsed, name):
    english = [_block_key(*block) for block in parsed["README.md"]["blocks"]]
    translated = [_block_key(*block) for block in parsed[name]["blocks"]]
    assert len(translated) == len(english)
    for index, (want, got) in enumerate(zip(english, translated)):
        assert got == want, f"code block {index + 1} differs from README.md's beyond its comments"


def test_the_layout_tree_keeps_its_paths(parsed):
    # The tree's key is its path column; it must really hold the paths, or the check above compares nothing.
    (tree,) = [lines for info, lines in parsed["README.md"]["blocks"] if info == ""]
    paths = [path for _indent, path in _block_key("", tree)[1]]
    assert paths[:4] == ["app.py", "pages/", "components/", "easel/"]
    assert "core/" in paths and "benchmarks/" in paths


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_same_inline_code(parsed, name):
    english = Counter(parsed["README.md"]["spans"])
    translated = Counter(parsed[name]["spans"])
    assert translated - english == Counter(), "inline code that README.md does not have"
    assert english - translated == Counter(), "inline code of README.md missing from the translation"


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_same_links_and_images(parsed, name):
    assert _links_without_languages(name, parsed[name]["links"]) == \
        _links_without_languages("README.md", parsed["README.md"]["links"])


@pytest.mark.parametrize("name", TRANSLATIONS)
def test_generate_screenshot_is_the_languages_own(parsed, name):
    suffix = READMES[name][0]
    assert parsed[name]["links"].count(f"docs/screenshots/generate{suffix}.png") == 2
    assert "docs/screenshots/generate.png" not in parsed[name]["links"]


@pytest.mark.parametrize("name", list(READMES))
def test_language_line_under_the_title(parsed, name):
    lines = parsed[name]["lines"]
    assert lines[0] == "# Easel"
    assert lines[1] == ""
    assert lines[2] == READMES[name][1]
    others = [other for other in READMES if other != name]
    assert sorted(LINK.findall(lines[2])) == sorted(others)


@pytest.mark.parametrize("name", list(READMES))
def test_every_bold_label_renders_bold(name):
    # CommonMark does not close `**` after punctuation when a letter follows (`**공유…**를`), which is easy to
    # write in Chinese and Korean; a label left as literal asterisks on GitHub is caught here.
    from markdown_it import MarkdownIt  # markdown-it-py comes with Streamlit (through rich)

    html = MarkdownIt("commonmark").enable("table").render((ROOT / name).read_text(encoding="utf-8"))
    text = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.S)
    stray = [text[max(0, m.start() - 30):m.end() + 30] for m in re.finditer(r"\*\*", text)]
    assert stray == []
