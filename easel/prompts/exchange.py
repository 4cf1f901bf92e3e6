"""The prompt library as JSON, so a team can pass a library around, and the starter library shipped with Easel.

The format (version 1):

    {"format": "easel-prompt-library", "version": 1,
     "prompts": [{"title": "Hero shot", "prompt": "a {product} on white", "tags": ["product shot"],
                  "settings": {"size": "1024x1024", "quality": "high", "provider": "qcode"}}]}

`title` (1–120 characters) and `prompt` (1–32,000 characters, a valid template) are required; `tags` (strings)
and `settings` (only size, quality, provider, as strings) are optional. Import checks every entry and reports
each bad one by its index (from 1) and rule; the good ones are imported. A title already in the library:
the same prompt is skipped as already there; a different prompt is imported as `Title (2)`, so nothing is
overwritten and nothing is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

from easel.core.errors import ValidationError
from easel.core.i18n import _
from easel.store import prompt_library as lib

__all__ = ["FORMAT", "VERSION", "EntryProblem", "ImportReport", "parse_library", "export_library", "import_library",
           "starter_entries", "add_starter", "MAX_TITLE", "MAX_PROMPT"]

FORMAT, VERSION = "easel-prompt-library", 1
MAX_TITLE, MAX_PROMPT = 120, 32_000


@dataclass(frozen=True)
class EntryProblem:
    index: int          # from 1, as a person counts
    rule: str
    detail: str

    def __str__(self) -> str:
        return _("Entry {index}: {detail} (rule {rule})").format(index=self.index, detail=self.detail, rule=self.rule)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)     # (title in the file, title it got)
    skipped: list[str] = field(default_factory=list)                 # already in the library, same prompt
    problems: list[EntryProblem] = field(default_factory=list)

    def summary(self) -> str:
        parts = [_("{n} added").format(n=len(self.added))]
        if self.renamed:
            parts.append(_("{n} renamed (title taken)").format(n=len(self.renamed)))
        if self.skipped:
            parts.append(_("{n} already there").format(n=len(self.skipped)))
        if self.problems:
            parts.append(_("{n} rejected").format(n=len(self.problems)))
        return ", ".join(parts) + "."


def _check_entry(i: int, e) -> tuple[dict | None, list[EntryProblem]]:
    bad: list[EntryProblem] = []
    if not isinstance(e, dict):
        return None, [EntryProblem(i, "entry_not_object", _("an entry must be an object with a title and a prompt"))]
    title, prompt = e.get("title"), e.get("prompt")
    if not isinstance(title, str) or not title.strip():
        bad.append(EntryProblem(i, "title_required", _("the title is missing or empty")))
    elif len(title.strip()) > MAX_TITLE:
        bad.append(EntryProblem(i, "title_too_long", _("the title has {count} characters; at most {most}").format(
            count=len(title.strip()), most=MAX_TITLE)))
    if not isinstance(prompt, str) or not prompt.strip():
        bad.append(EntryProblem(i, "prompt_required", _("the prompt is missing or empty")))
    elif len(prompt) > MAX_PROMPT:
        bad.append(EntryProblem(i, "prompt_too_long", _("the prompt has {count} characters; at most {most}").format(
            count=len(prompt), most=MAX_PROMPT)))
    tags = e.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        bad.append(EntryProblem(i, "tags_not_strings", _("tags must be a list of strings")))
    settings = e.get("settings", {})
    if not isinstance(settings, dict):
        bad.append(EntryProblem(i, "settings_not_object", _("settings must be an object")))
    else:
        unknown = sorted(set(settings) - set(lib.SETTING_KEYS))
        if unknown:
            bad.append(EntryProblem(i, "unknown_setting", _("unknown setting {unknown}; allowed: {allowed}").format(
                unknown=", ".join(unknown), allowed=", ".join(lib.SETTING_KEYS))))
        if any(not isinstance(v, str) for v in settings.values()):
            bad.append(EntryProblem(i, "setting_not_string", _("every setting value must be a string")))
    if bad:
        return None, bad
    return {"title": title.strip(), "prompt": prompt, "tags": list(tags), "settings": dict(settings)}, []


def parse_library(text: str | bytes) -> tuple[list[dict], list[EntryProblem]]:
    """(valid entries, problems). A file that is not this format at all raises ValidationError."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationError(_("Not JSON: {error}.").format(error=err), code="library_not_json") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationError(_("Not an Easel prompt library: the top level needs {field}.").format(
            field=f'"format": "{FORMAT}"'), code="library_format")
    if doc.get("version") != VERSION:
        raise ValidationError(_("Library version {version} is not one this Easel reads (version {supported}).").format(
            version=repr(doc.get("version")), supported=VERSION), code="library_version")
    entries = doc.get("prompts")
    if not isinstance(entries, list):
        raise ValidationError(_("{field} must be a list.").format(field='"prompts"'), code="library_prompts_not_list")
    good, problems = [], []
    for i, e in enumerate(entries, start=1):
        entry, bad = _check_entry(i, e)
        problems += bad
        if entry is not None:
            good.append(entry)
    return good, problems


def export_library(store, prompts=None) -> str:
    items = prompts if prompts is not None else lib.list_prompts(store)
    doc = {"format": FORMAT, "version": VERSION,
           "prompts": [{"title": p.title, "prompt": p.prompt, "tags": p.tags, "settings": p.settings} for p in items]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _add_entries(store, entries: list[dict], report: ImportReport) -> ImportReport:
    for e in entries:
        existing = lib.get_by_title(store, e["title"])
        if existing is not None and existing.prompt == e["prompt"]:
            report.skipped.append(e["title"])
            continue
        title = lib.free_title(store, e["title"])
        lib.save_prompt(store, title=title, prompt=e["prompt"], tags=e["tags"], settings=e["settings"])
        if title != e["title"]:
            report.renamed.append((e["title"], title))
        else:
            report.added.append(title)
    return report


def import_library(store, text: str | bytes) -> ImportReport:
    entries, problems = parse_library(text)
    return _add_entries(store, entries, ImportReport(problems=problems))


def starter_entries() -> list[dict]:
    text = resources.files("easel.prompts").joinpath("starter.json").read_text(encoding="utf-8")
    entries, problems = parse_library(text)
    assert not problems, problems          # shipped with Easel; tests/unit/test_prompt_library.py checks it
    return entries


def add_starter(store) -> ImportReport:
    """Add the starter library; prompts already there are skipped, so a second click adds nothing."""
    return _add_entries(store, starter_entries(), ImportReport())
