"""What each provider's doc promises that the scorecard checks and the catalog does not already encode.

Sizes, extras, masks and prices are read from the profile (easel.providers.catalog / pricing); this module
holds the rest, each fact beside the line of the doc it comes from. Demo and the generic OpenAI-compatible
provider are judged by OpenAI's published spec, which the Demo plays ("every feature").

A fact quoting its doc (“…”) stays verbatim in every language: it is the doc's own word. A fact Easel words
itself is a Text (easel.core.i18n_text): English where the check is kept, translated where it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from easel.core.i18n import N_
from easel.core.i18n_text import Template

__all__ = ["ErrorFact", "INVALID_SIZE", "REVISED_PROMPT", "LATENCY_TABLE", "NO_TRANSPARENCY", "NO_REPORTED_COST",
           "doc_name", "invalid_size_fact", "NO_REVISED_PROMPT"]


@dataclass(frozen=True)
class ErrorFact:
    size: str               # a size the doc forbids
    status: int
    code: str | None        # None: the doc names no code, only the refusal (then the status alone is checked)
    source: str             # where the expectation comes from


_OPENAI_SIDES = Template(N_("OpenAI's spec: sides must be multiples of 16; a bad value is a 400"))()
# An invalid size and the answer the doc gives for it.
INVALID_SIZE: dict[str, ErrorFact] = {
    "qcode": ErrorFact("1000x1000", 422, "unsupported_size", "qcode.txt: “422 unsupported_size size not in the supported set”"),
    "icodeeasy": ErrorFact("7:3", 400, "invalid_request_error",
                           "icodeeasy.txt: “400 invalid_request_error: invalid parameters, unsupported ratio”"),
    # Reading: openai-hk lists the size constraints (both sides multiples of 16) but no error body; a broken
    # constraint is a bad request, HTTP 400, as the OpenAI API it mirrors answers.
    "openai-hk": ErrorFact("1000x1000", 400, None, "openai-hk.txt: “Both sides must be multiples of 16” (no code given)"),
    # Reading: gccai's doc gives errors only as {"code": <status>}; a size outside its table is a 400.
    "gccai": ErrorFact("7:3", 400, None, Template(N_(
        "gccai.txt: sizes are the listed ratios (errors carry only the HTTP status)"))()),
    "demo": ErrorFact("1000x1000", 400, None, _OPENAI_SIDES),
    "openai": ErrorFact("1000x1000", 400, None, _OPENAI_SIDES),
}

# Where a doc promises revised_prompt: "rewritten" (present, any text) or "same" (present and equal to the prompt).
REVISED_PROMPT: dict[str, tuple[str, str]] = {
    "qcode": ("rewritten", "qcode.txt: “revised_prompt: the model's improved version of your original prompt”"),
    "openai-hk": ("same", "openai-hk.txt's response example: “\"revised_prompt\": \"your original prompt\"”"),
}
_OPENAI_NO_REVISED = Template(N_("OpenAI's spec returns revised_prompt only for dall-e-3, not for gpt-image models"))()
NO_REVISED_PROMPT = {
    "icodeeasy": Template(N_("icodeeasy.txt's responses carry only URLs (data[{{url}}]), no revised_prompt"))(),
    "gccai": Template(N_("gccai.txt's task result lists image URLs only, no revised_prompt"))(),
    "demo": _OPENAI_NO_REVISED,
    "openai": _OPENAI_NO_REVISED,
}

# qcode.txt, "Latency & timeout settings": quality → typical seconds (low, high end). The only doc with a table.
LATENCY_TABLE: dict[str, dict[str, tuple[float, float]]] = {
    "qcode": {"low": (20, 35), "medium": (50, 90), "high": (70, 120)},
}

NO_TRANSPARENCY = {
    "gccai": "gccai.txt: “gpt-image-2-official does not support transparent backgrounds; the system silently "
             "downgrades to auto”",
}

# Providers whose response reports no cost of their own, so there is nothing to hold against the price table.
NO_REPORTED_COST = {
    "qcode": Template(N_("qcode.txt's response has only b64_json and revised_prompt: no reported cost to check (the "
                         "bill is the price table itself)"))(),
}

# The name a check gives a doc: a file name, or OpenAI's published spec (translated where shown).
OPENAI_SPEC = "OpenAI's spec"
DOC_NAMES = {OPENAI_SPEC: N_("OpenAI's spec")}


def invalid_size_fact(profile) -> ErrorFact:
    """The provider's own fact, else its dialect's (a custom provider speaks one of the three)."""
    return INVALID_SIZE.get(profile.id) or INVALID_SIZE["openai" if profile.dialect == "openai" else profile.dialect]


def doc_name(profile) -> str:
    if profile.id in ("demo", "openai") or profile.custom:
        return OPENAI_SPEC
    return profile.doc or profile.id
