"""`easel whoami`: whom this command acts as, the named local user (--user or EASEL_USER) or the single user."""

from __future__ import annotations

import json

import click

from easel.cli.main import main
from easel.core import identity
from easel.core.i18n import _


@main.command(help=_("Whom the CLI acts as: the named local user of --user or EASEL_USER (their own jobs, images and "
                     "usage), or the single user (everything)."))
@click.option("--json", "as_json", is_flag=True, help='{"user": id or null, "admin": true|false}')
def whoami(as_json: bool) -> None:
    who = identity.current()
    if as_json:
        click.echo(json.dumps({"user": who.id or None, "admin": who.admin}))
    elif who.single:
        click.echo(_("The single user (no --user or EASEL_USER): every job, image and usage row."))
    elif who.admin:
        click.echo(_("{user}, an admin (listed in [team] admins): their own and the team's shared jobs and images, "
                     "and the team's usage.").format(user=who.id))
    else:
        click.echo(_("{user}: their own and the team's shared jobs, images and usage.").format(user=who.id))
