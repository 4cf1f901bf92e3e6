"""`easel share list|revoke`: the live share links, and revoking one from a shell (the Boards page does the same),
for when the app itself is out of reach. Tokens are never listed: only their hashes are stored."""

from __future__ import annotations

import datetime as dt
import time

import click

from easel.cli.main import EXIT_FAILED, main


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@main.group()
def share() -> None:
    """List and revoke share links (bearer links to images; see the README's Share links)."""


@share.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also revoked and expired links, with their state.")
def share_list(show_all):
    """Live links, newest first: id, images, expiry, title."""
    from easel.store import Store, share_links

    store = Store()
    now = time.time()
    links = share_links.list_links(store, now=now, active_only=not show_all)
    if not links:
        click.echo("No live share links." if not show_all else "No share links.")
        return
    for link in links:
        state = share_links.status_at(link, now)
        title = " ".join(link.title.split())
        click.echo(f"{link.id}  {len(link.image_ids):>3} image{'s' if len(link.image_ids) != 1 else ' '}  "
                   f"expires {_when(link.expires_at)}  {state:<7}  {title}")


@share.command("revoke")
@click.argument("link_id", metavar="ID")
def share_revoke(link_id):
    """Revoke a link now. ID: as `easel share list` shows it."""
    from easel.store import Store, share_links

    store = Store()
    if share_links.revoke(store, link_id):
        click.echo(f"Revoked {link_id}: its page now says it was revoked and shows no image.")
        return
    known = [x for x in share_links.list_links(store, active_only=False) if x.id == link_id]
    click.echo(f"Error: {'link ' + link_id + ' was already revoked' if known else 'no share link ' + link_id} "
               "(see `easel share list --all`).", err=True)
    raise SystemExit(EXIT_FAILED)
