"""Which of a provider's entries sit behind a CDN that cuts long requests, and what that means for a request.

qcode.txt: "The CDN forcibly returns 524 for any request that waits longer than 100 s"; low quality is safe
(< 35 s), medium is occasionally near the ceiling, high frequently hits 524; the direct entry has no limit.
So on a CDN entry Easel offers low quality first, and medium or high come with the direct entry one click away.
"""

from __future__ import annotations

from easel.providers.catalog import Profile

__all__ = ["is_cdn_entry", "default_quality", "at_risk_of_cdn_cut", "direct_entry_label", "CDN_TIMEOUT_CODES"]

# The codes a CDN cut arrives as (easel.core.errors.GatewayTimeout).
CDN_TIMEOUT_CODES = frozenset({"cdn_timeout_524"})


def _norm(url: str | None) -> str:
    return (url or "").strip().rstrip("/").lower()


def is_cdn_entry(profile: Profile, base_url: str | None) -> bool:
    """True for one of the profile's regional entries other than its direct one (a typed URL of one's own is
    not assumed to be behind the provider's CDN)."""
    if not profile.cdn_limit_s or not profile.direct_entry:
        return False
    url = _norm(base_url)
    return url != _norm(profile.direct_entry) and url in {_norm(u) for u in profile.regions.values()}


def default_quality(profile: Profile, base_url: str | None, qualities: list[str] | tuple[str, ...]) -> str:
    """The quality the form starts at: the CDN-safe one on a CDN entry, else the profile's default."""
    if is_cdn_entry(profile, base_url) and profile.cdn_default_quality in qualities:
        return profile.cdn_default_quality
    return profile.default_quality if profile.default_quality in qualities else qualities[0]


def at_risk_of_cdn_cut(profile: Profile, base_url: str | None, quality: str | None) -> bool:
    """Medium or high (or auto, which may pick either) on a CDN entry: likely to outlast the CDN's limit."""
    return is_cdn_entry(profile, base_url) and bool(quality) and quality != profile.cdn_default_quality


def direct_entry_label(profile: Profile) -> str | None:
    """The region label whose URL is the direct entry, for the sidebar's Region select."""
    for label, url in profile.regions.items():
        if _norm(url) == _norm(profile.direct_entry):
            return label
    return None
