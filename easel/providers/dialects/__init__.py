"""Wire dialects: pure functions from an ImageRequest to an httpx.Request, and from a response to models.

Each dialect module exposes the same five functions:

    build_submit(profile, req, base_url, *, async_) -> httpx.Request   (no Authorization: the client adds it)
    parse_submit(profile, response) -> models.WireResult
    build_poll(profile, task_ids, base_url) -> list[httpx.Request]
    parse_poll(profile, response) -> list[models.TaskStatus]
    parse_error(response) -> (code, message)

No I/O happens here, so every byte a dialect sends can be checked without a network.
"""

from __future__ import annotations

from types import ModuleType

from easel.core.errors import ConfigError
from easel.core.i18n import N_
from easel.providers.dialects._common import endpoint_url, parse_error

__all__ = ["get_dialect", "endpoint_url", "parse_error"]


def get_dialect(name: str) -> ModuleType:
    from easel.providers.dialects import gccai, icodeeasy, openai

    modules = {"openai": openai, "icodeeasy": icodeeasy, "gccai": gccai}
    try:
        return modules[name]
    except KeyError:
        raise ConfigError(N_("Unknown dialect {name}; Easel speaks {dialects}."),
                          dict(name=repr(name), dialects=", ".join(modules)), code="unknown_dialect") from None
