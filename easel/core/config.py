"""Where keys, base URLs and the data directory come from.

Precedence, highest first: what the user typed this session > `.streamlit/secrets.toml` [providers.<id>] >
the environment (EASEL_<ID>_API_KEY, EASEL_<ID>_BASE_URL). None of them is required: the app offers every
provider and asks for the key in its sidebar. Keys are never written anywhere by Easel; the store and the logs
keep only `key_fingerprint(key)`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from easel.core.errors import ConfigError
from easel.core.i18n import N_

__all__ = ["data_dir", "key_fingerprint", "KeySource", "resolve_key", "resolve_base_url", "secrets_path",
           "load_secrets", "configured_provider_ids", "DEFAULT_DATA_DIR"]

DEFAULT_DATA_DIR = Path.home() / ".easel"


def data_dir() -> Path:
    """EASEL_DATA_DIR, else ~/.easel. Created on first use."""
    path = Path(os.environ.get("EASEL_DATA_DIR") or DEFAULT_DATA_DIR).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def key_fingerprint(key: str | None) -> str:
    """A short, stable, non-reversible tag for a key: what the store, logs and UI show instead of the key."""
    if not key:
        return ""
    return "fp-" + hashlib.sha256(b"easel-key:" + key.encode()).hexdigest()[:10]


def secrets_path() -> Path:
    return Path(os.environ.get("EASEL_SECRETS_FILE") or Path.cwd() / ".streamlit" / "secrets.toml")


def load_secrets() -> dict:
    path = secrets_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(N_("{file} could not be read: {error}"), dict(file=path.name, error=str(e)),
                          code="bad_secrets_file") from None


def _env_name(profile_id: str, what: str) -> str:
    return f"EASEL_{profile_id.upper().replace('-', '_')}_{what}"


@dataclass(frozen=True)
class KeySource:
    key: str | None
    source: str        # "typed" | "secrets" | "environment" | "simulator" | ""

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.key)


def resolve_key(profile_id: str, typed: str | None = None) -> KeySource:
    if typed:
        return KeySource(typed.strip(), "typed")
    secret = load_secrets().get("providers", {}).get(profile_id, {}).get("api_key")
    if secret:
        return KeySource(str(secret), "secrets")
    env = os.environ.get(_env_name(profile_id, "API_KEY"))
    if env:
        return KeySource(env, "environment")
    return KeySource(None, "")


def resolve_base_url(profile_id: str, default: str, typed: str | None = None) -> str:
    url = typed or load_secrets().get("providers", {}).get(profile_id, {}).get("base_url") \
        or os.environ.get(_env_name(profile_id, "BASE_URL")) or default
    url = url.strip().rstrip("/")
    if not url.lower().startswith(("https://", "http://")):
        raise ConfigError(N_("Base URL must start with https:// or http:// (plain http is for local servers); got "
                             "{url}."), dict(url=repr(url)), code="bad_base_url")
    return url


def configured_provider_ids(candidates: list[str]) -> list[str]:
    """The providers that have a key or base URL in secrets or the environment. (The app's sidebar lists every
    provider whatever this says; this is for callers that want only the configured ones.)"""
    secrets = load_secrets().get("providers", {})
    return [pid for pid in candidates
            if pid in secrets or os.environ.get(_env_name(pid, "API_KEY")) or os.environ.get(_env_name(pid, "BASE_URL"))]
