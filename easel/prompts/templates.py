"""Prompt templates: `a {animal} in {style} style` with one or more values per variable, expanded to the cross
product. Literal braces may be doubled, as in Python's str.format: `{{` is `{`, `}}` is `}`.

Only `{name}` is a variable: a name of letters (any script), digits, `_`, `-` or spaces, not starting with a
digit. Any other brace is kept as text, so a JSON-style prompt (`{"subject": "a fox", "style": "ink"}`), which
people write for gpt-image, is sent as typed rather than refused. Reading chosen over str.format's strictness.

Values are typed one per line; `|` also separates values on one line (`cat | dog`), so a short list fits a
single-line field. A value therefore cannot contain a newline or `|`. Surrounding spaces are dropped and empty
values ignored.

Errors are raised in the reader's language (the page shows them at once; nothing keeps them).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from easel.core.errors import ValidationError
from easel.core.i18n import _

__all__ = ["TemplateError", "Template", "parse", "variables", "split_values", "expand", "MAX_EXPANSION",
           "is_template"]

MAX_EXPANSION = 100          # one batch at most: more is a mistake more often than a plan (and a bill)
_NAME = re.compile(r"^[^\W\d][\w\- ]*$")      # letters (any script), digits, _, -, space; not starting with a digit


class TemplateError(ValidationError):
    default_code = "template_error"


@dataclass(frozen=True)
class Template:
    parts: tuple        # str for literal text, ("var", name) for a variable
    names: tuple[str, ...]

    def render(self, values: dict[str, str]) -> str:
        return "".join(p if isinstance(p, str) else values[p[1]] for p in self.parts)


def parse(text: str) -> Template:
    """Split a template into literal text and `{name}` variables; any other brace is literal text."""
    parts: list = []
    names: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "{}" and text[i:i + 2] == ch * 2:
            buf.append(ch)
            i += 2
            continue
        if ch == "{":
            end = text.find("}", i + 1)
            inner = text[i + 1:end] if end != -1 else ""
            name = inner.strip()
            if end != -1 and "{" not in inner and _NAME.match(name):
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(("var", name))
                if name not in names:
                    names.append(name)
                i = end + 1
                continue
        buf.append(ch)
        i += 1
    if buf:
        parts.append("".join(buf))
    return Template(tuple(parts), tuple(names))


def variables(text: str) -> tuple[str, ...]:
    return parse(text).names


def is_template(text: str) -> bool:
    """True when the text has a variable (a prompt with only literal braces is plain text)."""
    return bool(parse(text).names)


def split_values(typed: str | None) -> list[str]:
    """One value per line or per `|`; blanks dropped, order kept, repeats dropped."""
    out = [v.strip() for line in (typed or "").splitlines() for v in line.split("|")]
    return list(dict.fromkeys(v for v in out if v))


def expand(text: str, values: dict[str, list[str] | str]) -> list[str]:
    """Every combination of the variables' values, the first variable varying slowest; a template without
    variables expands to itself (braces unescaped). Raises TemplateError naming a variable without values."""
    tpl = parse(text)
    lists = []
    for name in tpl.names:
        given = values.get(name)
        vals = split_values(given) if isinstance(given, str) else [v for v in (given or []) if v and v.strip()]
        if not vals:
            raise TemplateError(_("No value for {variable}: type at least one value for '{name}'.").format(
                variable="{" + name + "}", name=name), code="template_missing_value")
        lists.append(vals)
    count = 1
    for vals in lists:
        count *= len(vals)
    if count > MAX_EXPANSION:
        sizes = " × ".join(str(len(v)) for v in lists)
        raise TemplateError(_("{sizes} values make {count} prompts; one batch is at most {most}.").format(
            sizes=sizes, count=count, most=MAX_EXPANSION), code="template_too_many")
    return [tpl.render(dict(zip(tpl.names, combo))) for combo in itertools.product(*lists)]
