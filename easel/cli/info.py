"""`easel info FILE`: the prompt and settings an image carries (Easel's own chunk or A1111's `parameters`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from easel.cli.main import EXIT_USAGE, main
from easel.core.errors import EaselError
from easel.core.i18n import _


@main.command(help=_("Show the prompt and settings stored in FILE (PNG text chunks; JPEG/WebP EXIF)."))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help=_('Print {{"source": "easel"|"a1111"|"none", "prompt", "negative_prompt", "settings"}}.')
              .format())
def info(file: Path, as_json: bool) -> None:
    from easel.media import png_info

    if not file.is_file():
        click.echo(_("Error: {message}").format(message=_("{file}: no such file.").format(file=file)), err=True)
        raise SystemExit(EXIT_USAGE)
    try:
        found = png_info.read_info(file.read_bytes())
    except EaselError as e:
        # The media layer's own rule (corrupt_image, unsupported_image_type…), naming the file, not "the upload".
        english = "The uploaded file "
        reason = (f"{file.name} {e.message.removeprefix(english)}" if e.message.startswith(english)
                  else f"{file.name}: {e.message}")
        click.echo(_("Error: {message}").format(message=f"{reason} [{e.code}]"), err=True)
        raise SystemExit(EXIT_USAGE) from None
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False))
        return
    if found.source == "none":
        click.echo(_("{file} carries no prompt or settings (no Easel or AUTOMATIC1111 metadata).").format(file=file.name))
        return
    click.echo(_("Source: {source}").format(source="Easel" if found.source == "easel" else "AUTOMATIC1111"))
    click.echo(_("Prompt: {prompt}").format(prompt=found.prompt))
    if found.negative_prompt:
        click.echo(_("Negative prompt: {prompt}").format(prompt=found.negative_prompt))
    width = max((len(k) for k in found.settings), default=0)
    for name, value in found.settings.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        click.echo(f"  {name.ljust(width)}  {shown}")
