"""`easel prompts list|export|import|starter`: the prompt library from a shell, in the same store as the app.

`list --json` prints one JSON list of {"title", "prompt", "tags", "settings"}; `export` writes the exchange format
(easel.prompts.exchange, version 1) to a file or stdout; `import FILE` adds a file's prompts and names every
rejected entry by its index and rule (exit 2 when any was rejected, so a script notices); `--json` prints the
import report as {"added", "renamed", "skipped", "problems": [{"index", "rule", "detail"}]}.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from easel.core.i18n import _

from easel.cli.main import EXIT_USAGE, main


def _store():
    from easel.store import Store

    return Store()


@main.group(help=_("The prompt library: list, export, import, add the starter prompts."))
def prompts() -> None:
    pass


@prompts.command("list", help=_("List saved prompts, titles in order."))
@click.option("--search", default="", help=_("Only prompts whose title, tags or text contain this."))
@click.option("--json", "as_json", is_flag=True, help=_("One JSON list."))
def list_cmd(search, as_json):
    from easel.store import prompt_library as lib

    items = lib.list_prompts(_store(), text=search)
    if as_json:
        click.echo(json.dumps([{"title": p.title, "prompt": p.prompt, "tags": p.tags, "settings": p.settings}
                               for p in items], ensure_ascii=False))
        return
    for p in items:
        tags = f"  [{', '.join(p.tags)}]" if p.tags else ""
        click.echo(f"{p.title}{tags}\n    {p.prompt}")
    if not items:
        click.echo(_("No saved prompts.") if search else _("No saved prompts. Add the starter ones: easel prompts starter"),
                   err=True)


@prompts.command("export", help=_("Write the library as JSON to FILE, or to stdout."))
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def export_cmd(file):
    from easel.prompts import exchange

    text = exchange.export_library(_store())
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text, encoding="utf-8")
        click.echo(_("Wrote {count} prompts to {file}.").format(count=len(json.loads(text)["prompts"]), file=file),
                   err=True)


def _report(report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"added": report.added, "renamed": [list(r) for r in report.renamed],
                               "skipped": report.skipped,
                               "problems": [{"index": p.index, "rule": p.rule, "detail": p.detail}
                                            for p in report.problems]}, ensure_ascii=False))
        return
    click.echo(report.summary())
    for old, new in report.renamed:
        click.echo("  " + _("{old} was taken: imported as {new}").format(old=repr(old), new=repr(new)))
    for p in report.problems:
        click.echo(f"  {p}", err=True)


@prompts.command("import", help=_('Add the prompts of a library file; a title already taken by a different prompt gets '
                                  '"(2)".'))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=_("The import report as one JSON object."))
@click.pass_context
def import_cmd(ctx, file, as_json):
    from easel.prompts import exchange

    report = exchange.import_library(_store(), file.read_bytes())
    _report(report, as_json)
    if report.problems:
        ctx.exit(EXIT_USAGE)


@prompts.command("starter", help=_("Add the starter library (about 20 prompts in English, Chinese and Korean); ones "
                                   "already there are skipped."))
@click.option("--json", "as_json", is_flag=True, help=_("The report as one JSON object."))
def starter_cmd(as_json):
    from easel.prompts import exchange

    _report(exchange.add_starter(_store()), as_json)
