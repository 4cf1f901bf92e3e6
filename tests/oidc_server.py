"""A real OpenID Connect provider for the sign-in tests: `oidc-provider-mock` (PyPI, in the test extras), one per
test session, on a free loopback port.

Its sign-in form lists the predefined users (`--user-claims`) as buttons named by their subject; pressing one signs
that person in (a subject typed into its text field works too, with the claims {"email": subject}). It accepts any
client id and secret (`--require-registration false`, its default), so the app's secrets only need to name it.
Outside CI a provider that cannot start skips the sign-in tests with the reason; with CI set it fails them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server_process import required_server, stop_process

START_TIMEOUT_S = 30.0
CLIENT_ID = "easel-tests"
CLIENT_SECRET = "easel-tests-client-secret"
COOKIE_SECRET = "easel-tests-cookie-secret-0123456789abcdef"

# The people the tests sign in as: a member, another member, and an admin (the tests list her in [team] admins).
USERS = (
    {"sub": "ana@example.com", "email": "ana@example.com", "name": "Ana Lima"},
    {"sub": "ben@example.com", "email": "ben@example.com", "name": "Ben Okafor"},
    {"sub": "boss@example.com", "email": "Boss@Example.com", "name": "Bo Boss"},
)
ADMIN = "boss@example.com"


@dataclass
class OidcProvider:
    url: str                 # http://127.0.0.1:PORT, the issuer

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def auth_secrets(self, app_url: str) -> str:
        """The [auth] section of secrets.toml for an app at `app_url`, signing in through this provider."""
        return "\n".join([
            "[auth]",
            f'redirect_uri = "{app_url}/oauth2callback"',
            f'cookie_secret = "{COOKIE_SECRET}"',
            f'client_id = "{CLIENT_ID}"',
            f'client_secret = "{CLIENT_SECRET}"',
            f'server_metadata_url = "{self.metadata_url}"',
            "",
        ])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(provider: OidcProvider) -> bool:
    try:
        return httpx.get(provider.metadata_url, timeout=1).json().get("issuer") == provider.url
    except (httpx.HTTPError, ValueError):
        return False


def start_provider(workdir: Path) -> tuple[subprocess.Popen, OidcProvider]:
    try:
        import oidc_provider_mock  # noqa: F401
    except ImportError:
        raise RuntimeError("the oidc-provider-mock package is not installed (it is in the test extras)") from None
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in USERS:
        args += ["--user-claims", json.dumps(user)]
    log = open(workdir / "oidc.log", "wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    log.close()
    provider = OidcProvider(f"http://127.0.0.1:{port}")
    end = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < end:
        if proc.poll() is not None:
            tail = (workdir / "oidc.log").read_text(errors="replace")[-800:]
            raise RuntimeError(f"oidc-provider-mock exited with {proc.returncode}: {tail}")
        if _ready(provider):
            return proc, provider
        time.sleep(0.2)
    stop_provider(proc)
    raise RuntimeError(f"oidc-provider-mock did not answer on port {port} within {START_TIMEOUT_S:.0f} s")


def stop_provider(proc: subprocess.Popen) -> None:
    stop_process(proc, timeout_s=10)


@pytest.fixture(scope="session")
def oidc_provider():
    """One OpenID Connect provider for the session, stopped at the end."""
    with required_server("the OpenID Connect provider (oidc-provider-mock)", "easel-oidc-", start_provider,
                         stop_provider) as provider:
        yield provider
