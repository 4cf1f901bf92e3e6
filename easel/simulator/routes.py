"""Where each provider lives on the simulator, and the app that serves them all.

Each provider's routes are mounted under its own prefix, so each follows its own doc:
demo `/demo/v1`, openai `/openai/v1`, openai-hk `/openai-hk`, qcode `/qcode/qcode-img/v1`,
icodeeasy `/icodeeasy`, gccai `/gccai`. A custom profile uses its dialect's (openai → `/openai/v1`).
Control routes live under `/_sim/`.
"""

from __future__ import annotations

from easel.providers.catalog import DIALECT_PREFIXES, PREFIXES, prefix_for

__all__ = ["PREFIXES", "DIALECT_PREFIXES", "prefix_for", "build_app"]

def build_app(state):
    """The ASGI app serving every provider plus the control routes, bound to one SimState."""
    # Imported here so the prefixes stay importable without the web stack.
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from easel.simulator import control, gccai_api, icodeeasy_api, openai_api
    from easel.simulator.common import Recorder

    mounts = [Mount(PREFIXES[p], routes=openai_api.routes(p, PREFIXES[p])) for p in ("demo", "openai", "openai-hk", "qcode")]
    mounts += [Mount(PREFIXES["icodeeasy"], routes=icodeeasy_api.routes(PREFIXES["icodeeasy"])),
               Mount(PREFIXES["gccai"], routes=gccai_api.routes(PREFIXES["gccai"]))]
    app = Starlette(routes=control.routes() + mounts)
    app.state.sim = state
    return Recorder(app, state)
