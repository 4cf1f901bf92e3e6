"""`easel info FILE`: the prompt and settings an image carries (Easel's own chunk or A1111's `parameters`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from easel.cli.main import EXIT_USAGE, main
from easel.core.errors import EaselError


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help='Print {"source": "easel"|"a1111"|"none", "prompt", "negative_prompt", "settings"}.')
def info(file: Path, as_json: bool) -> None:
    """Show the prompt and settings stored in FILE (PNG text chunks; JPEG/WebP EXIF)."""
    from easel.media import png_info

    if not file.is_file():
        click.echo(f"Error: {file}: no such file.", err=True)
        raise SystemExit(EXIT_USAGE)
    try:
        found = png_info.read_info(file.read_bytes())
    except EaselError as e:
        # The media layer's own rule (corrupt_image, unsupported_image_type…), naming the file, not "the upload".
        click.echo(f"Error: {file.name} {e.message.removeprefix('The uploaded file ')} [{e.code}]", err=True)
        raise SystemExit(EXIT_USAGE) from None
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False))
        return
    if found.source == "none":
        click.echo(f"{file.name} carries no prompt or settings (no Easel or AUTOMATIC1111 metadata).")
        return
    click.echo(f"Source: {'Easel' if found.source == 'easel' else 'AUTOMATIC1111'}")
    click.echo(f"Prompt: {found.prompt}")
    if found.negative_prompt:
        click.echo(f"Negative prompt: {found.negative_prompt}")
    width = max((len(k) for k in found.settings), default=0)
    for name, value in found.settings.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        click.echo(f"  {name.ljust(width)}  {shown}")
