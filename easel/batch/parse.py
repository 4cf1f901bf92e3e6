"""A batch file into rows: a text file (one prompt per line) or a CSV with a `prompt` column and optional
columns for any request parameter.

Readings, chosen here and tested:
- Rows are numbered 1, 2, 3… in the order their prompts appear: in a text file blank lines are skipped (they
  are not prompts), in a CSV the header is not a row. The preview, the CLI and batch.csv use these numbers.
- Header names are matched without case or surrounding spaces. A column Easel does not know stops the whole
  file (a typo such as `qualty` would otherwise be silently ignored on every row); an empty cell means "the
  form's value".
- A value is passed on as written, and the request's own validation (easel.providers.request.validate) judges
  it, so a row breaks the same named rule a single generation would. Only `n`, which must be a number before
  it can be a request at all, and `async` (true/false, yes/no, 1/0: run as a provider task), are checked here.

Languages: an error carries its message id and params (easel.core.errors), so it reads in the reader's language
where it is shown and is kept with the batch (the store, batch.csv) in English, its log_message().
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from easel.core.errors import ValidationError
from easel.core.i18n import N_
from easel.core.i18n_text import Template, Text
from easel.providers.catalog import EXTRA_OPTIONS, TEXT_EXTRAS

__all__ = ["RowInput", "parse_text", "parse_csv", "parse_file", "PARAM_COLUMNS", "KNOWN_COLUMNS", "MAX_ROWS",
           "invalid"]

PARAM_COLUMNS = ("provider", "size", "resolution", "quality", "n", "model", "async", *EXTRA_OPTIONS, *TEXT_EXTRAS)
KNOWN_COLUMNS = ("prompt", *PARAM_COLUMNS)
INT_EXTRAS = tuple(k for k, v in EXTRA_OPTIONS.items() if v is None)     # output_compression
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
MAX_ROWS = 1000           # a bound on one upload; a larger run is several batches

NOT_UTF8 = Template(N_("The file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)."))
NO_PROMPTS = Template(N_("The batch has no prompts."))
TOO_MANY_ROWS = Template(N_("A batch takes at most {most} rows; this one has {count}. Split it."))
CSV_EMPTY = Template(N_("The CSV is empty; its first line names the columns, one of them `prompt`."))
CSV_UNREADABLE = Template(N_("The CSV cannot be read: {error}."))
CSV_UNREADABLE_AFTER = Template(N_("The CSV cannot be read after row {row}: {error}."))
NO_PROMPT_COLUMN = Template(N_("The CSV has no `prompt` column (its columns: {columns})."))
NO_COLUMNS = Template(N_("none"))
UNKNOWN_COLUMN = Template(N_("Unknown column {columns}; a batch CSV takes {known}."))
N_NOT_A_NUMBER = Template(N_("n must be a whole number; got {value}."))
ASYNC_NOT_A_BOOLEAN = Template(N_("async is true or false; got {value}."))


def invalid(text: Text, code: str) -> ValidationError:
    """A ValidationError of the Text's message id and params: it reads in the current language, and its
    log_message() is the English the batch keeps (easel.core.errors)."""
    return ValidationError(text.template.msgid, text.args, code=code)


@dataclass
class RowInput:
    row: int
    prompt: str
    values: dict = field(default_factory=dict)         # column → value, only the cells given
    problem: ValidationError | None = None              # found while parsing (before any request is built)


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise invalid(NOT_UTF8(), "not_utf8") from None
    return data.lstrip("\ufeff")


def _check_count(rows: list[RowInput]) -> list[RowInput]:
    if not rows:
        raise invalid(NO_PROMPTS(), "batch_empty")
    if len(rows) > MAX_ROWS:
        raise invalid(TOO_MANY_ROWS(most=MAX_ROWS, count=len(rows)), "batch_too_large")
    return rows


def parse_text(data: bytes | str) -> list[RowInput]:
    """One prompt per non-blank line."""
    lines = [ln.strip() for ln in _text(data).splitlines()]
    return _check_count([RowInput(i, p) for i, p in enumerate((ln for ln in lines if ln), start=1)])


def parse_csv(data: bytes | str) -> list[RowInput]:
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise invalid(CSV_EMPTY(), "batch_empty") from None
    except csv.Error as e:
        raise invalid(CSV_UNREADABLE(error=e), "csv_malformed") from None
    names = [h.strip().lower() for h in header]
    if "prompt" not in names:
        raise invalid(NO_PROMPT_COLUMN(columns=", ".join(header) or NO_COLUMNS()), "prompt_column_missing")
    unknown = [h for h, n in zip(header, names) if n and n not in KNOWN_COLUMNS]
    if unknown:
        raise invalid(UNKNOWN_COLUMN(columns=", ".join(repr(u) for u in unknown), known=", ".join(KNOWN_COLUMNS)),
                      "unknown_column")
    rows: list[RowInput] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            number = len(rows) + 1
            values = {n: c.strip() for n, c in zip(names, cells) if n and c.strip()}
            prompt = values.pop("prompt", "")
            rows.append(_typed(RowInput(number, prompt, values)))
    except csv.Error as e:
        raise invalid(CSV_UNREADABLE_AFTER(row=len(rows), error=e), "csv_malformed") from None
    return _check_count(rows)


def _typed(row: RowInput) -> RowInput:
    n = row.values.get("n")
    if n is not None:
        try:
            row.values["n"] = int(n)
        except ValueError:
            row.problem = invalid(N_NOT_A_NUMBER(value=repr(n)), "n_not_a_number")
    flag = row.values.get("async")
    if flag is not None:
        if flag.lower() in _BOOLEANS:
            row.values["async"] = _BOOLEANS[flag.lower()]
        elif row.problem is None:
            row.problem = invalid(ASYNC_NOT_A_BOOLEAN(value=repr(flag)), "async_not_a_boolean")
    for key in INT_EXTRAS:
        value = row.values.get(key)
        if value is not None and value.isdigit():
            row.values[key] = int(value)
    return row


def parse_file(name: str, data: bytes | str) -> list[RowInput]:
    """By the file's extension: .csv is a CSV, anything else (.txt) one prompt per line."""
    return parse_csv(data) if name.lower().endswith(".csv") else parse_text(data)
