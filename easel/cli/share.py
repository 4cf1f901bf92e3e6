"""`easel share list|revoke`: the live share links, and revoking one from a shell (the Boards page does the same),
for when the app itself is out of reach. Tokens are never listed: only their hashes are stored."""

from __future__ import annotations

import datetime as dt
import time

import click

from easel.cli.main import EXIT_FAILED, main, viewer_store
from easel.core.i18n import _, ngettext


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@main.group(help=_("List and revoke share links (bearer links to images; see the README's Share links)."))
def share() -> None:
    pass


@share.command("list", help=_("Live links, newest first: id, images, expiry, title."))
@click.option("--all", "show_all", is_flag=True, help=_("Also revoked and expired links, with their state."))
def share_list(show_all):
    from easel.store import share_links

    store = viewer_store()
    now = time.time()
    links = share_links.list_links(store, now=now, active_only=not show_all)
    if not links:
        click.echo(_("No live share links.") if not show_all else _("No share links."))
        return
    for link in links:
        state = share_links.status_at(link, now)
        title = " ".join(link.title.split())
        count = len(link.image_ids)
        images = ngettext("{count} image ", "{count} images", count).format(count=f"{count:>3}")
        expires = _("expires {when}").format(when=_when(link.expires_at))
        click.echo(f"{link.id}  {images}  {expires}  {state:<7}  {title}")


@share.command("revoke", help=_("Revoke a link now. ID: as `easel share list` shows it."))
@click.argument("link_id", metavar="ID")
def share_revoke(link_id):
    from easel.store import share_links

    store = viewer_store()
    if share_links.revoke(store, link_id):
        click.echo(_("Revoked {id}: its page now says it was revoked and shows no image.").format(id=link_id))
        return
    known = [x for x in share_links.list_links(store, active_only=False) if x.id == link_id]
    reason = (_("link {id} was already revoked (see `easel share list --all`).") if known
              else _("no share link {id} (see `easel share list --all`)."))
    click.echo(_("Error: {message}").format(message=reason.format(id=link_id)), err=True)
    raise SystemExit(EXIT_FAILED)
