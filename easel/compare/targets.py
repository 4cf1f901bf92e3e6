"""What a comparison column runs against: a provider (or the Demo playing one) with a key and a base URL.

Names, as the CLI's `--providers` and the page's store take them: a provider id as `easel generate --provider`
takes it (`qcode`, `gccai`, `openai-hk`, `custom-my-gateway`), `demo` for the Demo itself, and `demo:<id>` for
the Demo simulating that provider with its rules (what `--provider demo --simulate <id>` does for one request).

Error messages are in the reader's language when raised (a page or the CLI shows them at once); the code is the
machine form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from easel.core import config
from easel.core.errors import ConfigError, ValidationError
from easel.core.i18n import _
from easel.providers import catalog, demo_modes
from easel.providers.catalog import Profile

__all__ = ["Target", "parse_name", "demo_target", "keyed_target", "target_label", "DEMO_NAMES", "MIN_COLUMNS",
           "MAX_COLUMNS", "check_names"]

DEMO_KEY = "demo-test-key"      # the simulator accepts any key; the same constant the app and CLI use
DEMO_NAMES = tuple("demo" if m == "demo" else f"demo:{m}" for m in demo_modes.SIMULATABLE)
MIN_COLUMNS, MAX_COLUMNS = 2, 6


@dataclass(frozen=True)
class Target:
    name: str
    profile: Profile
    key: str = field(repr=False)
    base_url: str = ""

    @property
    def fingerprint(self) -> str:
        return config.key_fingerprint(self.key)

    @property
    def label(self) -> str:
        return target_label(self.name)

    def client(self):
        from easel.providers.client import ProviderClient

        return ProviderClient(self.profile, self.key, base_url=self.base_url or self.profile.base_url)


def parse_name(name: str) -> tuple[str, str | None]:
    """('demo', 'gccai') for 'demo:gccai', ('demo', 'demo') for 'demo', ('qcode', None) for 'qcode'."""
    name = name.strip()
    if name == "demo":
        return "demo", "demo"
    if name.startswith("demo:"):
        mode = name.split(":", 1)[1]
        if mode not in demo_modes.SIMULATABLE:
            raise ValidationError(_("The Demo simulates {modes}; not {mode}.").format(
                modes=", ".join(demo_modes.SIMULATABLE), mode=repr(mode)), code="unknown_provider")
        return "demo", mode
    return name, None


def target_label(name: str) -> str:
    provider, mode = parse_name(name)
    if provider == "demo":
        return "Demo" if mode == "demo" else f"Demo · {catalog.BUILTIN[mode].label}"
    try:
        return catalog.get_profile(provider).label
    except ConfigError:
        return provider


def check_names(names: list[str]) -> list[str]:
    """2–6 distinct names, stripped; a clear message otherwise."""
    cleaned = [n.strip() for n in names if n.strip()]
    if len(set(cleaned)) != len(cleaned):
        dup = next(n for n in cleaned if cleaned.count(n) > 1)
        raise ValidationError(_("{provider} is chosen twice; each column is a different provider.").format(
            provider=dup), code="duplicate_provider")
    if not MIN_COLUMNS <= len(cleaned) <= MAX_COLUMNS:
        raise ValidationError(_("A comparison takes {least} to {most} providers; got {count}.").format(
            least=MIN_COLUMNS, most=MAX_COLUMNS, count=len(cleaned)), code="compare_columns")
    for n in cleaned:
        parse_name(n)
    return cleaned


def demo_target(name: str, simulator_url: str, key: str = DEMO_KEY) -> Target:
    _provider, mode = parse_name(name)
    if mode is None:
        raise ValidationError(_("{name} is not a Demo mode.").format(name=name), code="unknown_provider")
    profile = demo_modes.demo_profile(mode, simulator_url)
    return Target(name, profile, key, profile.base_url)


def keyed_target(name: str, profile: Profile, key: str | None, base_url: str) -> Target:
    if not key:
        raise ConfigError(_("No API key for {provider}. Set {variable} or [providers.{id}] api_key in "
                            ".streamlit/secrets.toml; in the app, type it in the sidebar with {provider} chosen.").format(
            provider=profile.label, variable=f"EASEL_{profile.env_id}_API_KEY", id=profile.id), code="missing_key")
    return Target(name, profile, key, base_url)
