"""Share links in the UI: the "Share…" popover that makes one (for a result or a board), the list of live links
with Revoke buttons, and the visitor's view of a link (pages/shared.py).

The token is shown once, in the popover that made it: the store keeps only its hash. The visitor's view names a
provider by its catalog name only and never reads a key, a fingerprint, a base URL or a result's source URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from easel.core.errors import EaselError
from easel.core.i18n import N_, _, format_datetime, format_number, ngettext
from easel.media import imaging, thumbnails
from easel.providers import catalog
from easel.store import share_links

from components import css, md_escape, truncate

__all__ = ["EXPIRY_CHOICES", "share_popover", "share_url", "active_links", "shared_view", "provider_name",
           "shared_settings"]

# The keys are the slider's values (stable English codes, shown translated by `_`).
EXPIRY_CHOICES = {N_("1 hour"): 3600, N_("6 hours"): 6 * 3600, N_("1 day"): 86400, N_("3 days"): 3 * 86400,
                  N_("7 days"): 7 * 86400, N_("14 days"): 14 * 86400, N_("30 days"): 30 * 86400}
# A short last row's empty columns are hidden rather than drawn as empty cards.
_GRID_CSS = ('[class*="st-key-easel-shared-grid"] [data-testid="stColumn"]'
             ':not(:has([data-testid="stElementContainer"])) { visibility: hidden; }')
SHARED_SIDE = 1024          # what the visitor's page shows: a thumbnail of at most this side, never the original


def share_url(token: str) -> str:
    """The app's own address with `?share=TOKEN`: app.py routes that to the shared page alone."""
    parts = urlsplit(st.context.url or "")
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    root = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{root}/{base + '/' if base else ''}?share={token}"


def _when(ts: float) -> str:
    """A link's moment for reading: the locale's style, in the viewer's time zone (the browser's), as every date
    Easel shows."""
    return format_datetime(ts, "short")


def _create(store, image_ids, title: str, board_id: str | None, key: str) -> None:
    ttl = EXPIRY_CHOICES[st.session_state[f"{key}.expiry"]]
    try:
        token, link = share_links.create_link(store, image_ids, ttl, title=title, board_id=board_id)
    except EaselError as e:
        st.session_state[f"{key}.error"] = e.message
        return
    st.session_state.pop(f"{key}.error", None)
    st.session_state[f"{key}.made"] = (token, link.expires_at)


def share_popover(store, image_ids, *, title: str, key: str, board_id: str | None = None) -> None:
    """"Share…": pick how long the link lasts, make it, copy it. Widget keys: `{key}.expiry`, `{key}.create`."""
    with st.popover(_("Share…"), icon=":material/share:", key=f"{key}.popover"):
        st.select_slider(_("Link expires after"), list(EXPIRY_CHOICES), value="7 days", key=f"{key}.expiry",
                         format_func=_)
        st.button(_("Create link"), key=f"{key}.create", type="primary", icon=":material/link:", on_click=_create,
                  args=(store, tuple(image_ids), title, board_id, key))
        if error := st.session_state.get(f"{key}.error"):
            st.error(error)
        if made := st.session_state.get(f"{key}.made"):
            token, expires = made
            st.code(share_url(token), language=None, wrap_lines=True)
            st.caption(_("Anyone with this link sees these images and their settings until {when}. Revoke it on the "
                         "Boards page.").format(when=_when(expires)))


def _revoke(store, link_id: str) -> None:
    share_links.revoke(store, link_id)


def active_links(store, *, key: str = "links") -> None:
    """The live links, newest first, each with Revoke. Keys: `{key}.{link id}.revoke`."""
    links = share_links.list_links(store)
    if not links:
        st.caption(_("No live share links."))
        return
    for link in links:
        with st.container(horizontal=True, vertical_alignment="center", key=f"{key}-{link.id}"):
            n = len(link.image_ids)
            st.text(ngettext("{title} · {n} image · made {made} · expires {expires}",
                             "{title} · {n} images · made {made} · expires {expires}", n)
                    .format(title=truncate(link.title, 50) or _("Shared images"), n=format_number(n),
                            made=_when(link.created_at), expires=_when(link.expires_at)), width="stretch")
            st.button(_("Revoke"), key=f"{key}.{link.id}.revoke", icon=":material/link_off:", on_click=_revoke,
                      args=(store, link.id))


# --- the visitor's view ------------------------------------------------------------------------------------
def provider_name(provider: str | None) -> str:
    """A built-in provider's catalog name; a custom one by the name its user gave it, never its URL."""
    if provider in catalog.BUILTIN:
        return catalog.BUILTIN[provider].label
    if provider and provider.startswith("custom-"):
        return _("custom provider “{name}”").format(name=provider.removeprefix("custom-"))
    return provider or ""


def shared_settings(row) -> dict:
    """All that a shared image says about itself: prompt, size, quality, model, provider name."""
    size = f"{row.width}x{row.height}" if row.width else (row.size or "")
    meta = {"prompt": row.prompt or "", "size": size, "quality": row.quality or "", "model": row.model or "",
            "provider": provider_name(row.provider)}
    return {k: v for k, v in meta.items() if v}


def _download(store, row) -> bytes:
    # Re-encoded with the shared settings only: the stored file's own chunks are not passed on.
    return imaging.convert(store.image_bytes(row), "png", {**shared_settings(row), "software": "Easel"})


def shared_view(store, token: str | None, *, now: float | None = None) -> None:
    """A share link as its visitor sees it. An expired, revoked or unknown link says so and draws no image."""
    got = share_links.resolve(store, token, now=now)
    if got.status == "revoked":
        st.error(_("This link was revoked. Ask whoever shared it for a new one."), icon=":material/link_off:")
        return
    if got.status == "expired":
        st.warning(_("This link expired on {when}. Ask whoever shared it for a new one.").format(
            when=_when(got.link.expires_at)), icon=":material/schedule:")
        return
    if got.status != "active":
        st.error(_("This share link is not valid: check that it was copied whole."), icon=":material/link_off:")
        return
    rows = share_links.shared_images(store, got)
    st.title(md_escape(got.link.title) if got.link.title else _("Shared images"), anchor=False)   # user text
    st.caption(ngettext("Shared from Easel · {n} image · this link expires on {when}",
                        "Shared from Easel · {n} images · this link expires on {when}", len(rows))
               .format(n=format_number(len(rows)), when=_when(got.link.expires_at)))
    if not rows:
        st.info(_("The images of this link were deleted."), icon=":material/image_not_supported:")
        return
    with st.container(key="easel-shared-grid"):
        css.style(_GRID_CSS)
        for start in range(0, len(rows), 3):
            for col, row in zip(st.columns(3, border=True), rows[start:start + 3]):
                with col:
                    _card(store, row)


def _card(store, row) -> None:
    try:
        data = thumbnails.thumbnail_bytes(store, row, SHARED_SIDE)
    except Exception as err:  # noqa: BLE001 - a missing file: say so in its card, draw the rest
        st.warning(_("Image unreadable ({error})").format(error=type(err).__name__), icon=":material/broken_image:")
        return
    st.image(data, width="stretch")
    settings = shared_settings(row)
    st.text(settings.pop("prompt", ""))           # user text: never markdown
    st.text(" · ".join(settings.values()))
    st.download_button("PNG", data=lambda r=row: _download(store, r), file_name=f"easel-shared-{row.id}.png",
                       mime="image/png", key=f"shared.{row.id}.dl", on_click="ignore", icon=":material/download:")
