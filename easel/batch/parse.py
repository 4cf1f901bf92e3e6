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
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from easel.core.errors import ValidationError
from easel.providers.catalog import EXTRA_OPTIONS, TEXT_EXTRAS

__all__ = ["RowInput", "parse_text", "parse_csv", "parse_file", "PARAM_COLUMNS", "KNOWN_COLUMNS", "MAX_ROWS"]

PARAM_COLUMNS = ("provider", "size", "resolution", "quality", "n", "model", "async", *EXTRA_OPTIONS, *TEXT_EXTRAS)
KNOWN_COLUMNS = ("prompt", *PARAM_COLUMNS)
INT_EXTRAS = tuple(k for k, v in EXTRA_OPTIONS.items() if v is None)     # output_compression
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
MAX_ROWS = 1000           # a bound on one upload; a larger run is several batches


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
            raise ValidationError("The file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel).",
                                  code="not_utf8") from None
    return data.lstrip("\ufeff")


def _check_count(rows: list[RowInput]) -> list[RowInput]:
    if not rows:
        raise ValidationError("The batch has no prompts.", code="batch_empty")
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"A batch takes at most {MAX_ROWS} rows; this one has {len(rows)}. Split it.",
                              code="batch_too_large")
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
        raise ValidationError("The CSV is empty; its first line names the columns, one of them `prompt`.",
                              code="batch_empty") from None
    except csv.Error as e:
        raise ValidationError(f"The CSV cannot be read: {e}.", code="csv_malformed") from None
    names = [h.strip().lower() for h in header]
    if "prompt" not in names:
        raise ValidationError(f"The CSV has no `prompt` column (its columns: {', '.join(header) or 'none'}).",
                              code="prompt_column_missing")
    unknown = [h for h, n in zip(header, names) if n and n not in KNOWN_COLUMNS]
    if unknown:
        raise ValidationError(f"Unknown column {', '.join(repr(u) for u in unknown)}; a batch CSV takes "
                              f"{', '.join(KNOWN_COLUMNS)}.", code="unknown_column")
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
        raise ValidationError(f"The CSV cannot be read after row {len(rows)}: {e}.", code="csv_malformed") from None
    return _check_count(rows)


def _typed(row: RowInput) -> RowInput:
    n = row.values.get("n")
    if n is not None:
        try:
            row.values["n"] = int(n)
        except ValueError:
            row.problem = ValidationError(f"n must be a whole number; got {n!r}.", code="n_not_a_number")
    flag = row.values.get("async")
    if flag is not None:
        if flag.lower() in _BOOLEANS:
            row.values["async"] = _BOOLEANS[flag.lower()]
        elif row.problem is None:
            row.problem = ValidationError(f"async is true or false; got {flag!r}.", code="async_not_a_boolean")
    for key in INT_EXTRAS:
        value = row.values.get(key)
        if value is not None and value.isdigit():
            row.values[key] = int(value)
    return row


def parse_file(name: str, data: bytes | str) -> list[RowInput]:
    """By the file's extension: .csv is a CSV, anything else (.txt) one prompt per line."""
    return parse_csv(data) if name.lower().endswith(".csv") else parse_text(data)
