"""The simulator's control routes: what tests and `easel simulate` use to inspect and steer it."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["routes"]


async def _json(request: Request):
    raw = await request.body()
    return json.loads(raw) if raw.strip() else None


async def requests(request: Request) -> JSONResponse:
    state = request.app.state.sim
    recs = state.requests(request.query_params.get("path_contains"))
    bodies = request.query_params.get("bodies") in ("1", "true", "yes")
    return JSONResponse([r.summary(bodies=bodies) for r in recs])


async def reset(request: Request) -> JSONResponse:
    request.app.state.sim.reset()
    return JSONResponse({"ok": True})


async def faults(request: Request) -> JSONResponse:
    state = request.app.state.sim
    if request.method == "POST":
        try:
            rules = await _json(request)
            if isinstance(rules, dict):
                rules = rules.get("faults", [rules])
            state.set_faults(rules or [])
        except (ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
    with state.lock:
        return JSONResponse([vars(r).copy() for r in state.faults])


async def stats(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.sim.stats())


async def config(request: Request) -> JSONResponse:
    state = request.app.state.sim
    if request.method == "POST":
        try:
            state.configure(**(await _json(request) or {}))
        except (ValueError, TypeError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
    return JSONResponse(state.stats()["settings"])


def routes() -> list[Route]:
    return [Route("/_sim/requests", requests, methods=["GET"]),
            Route("/_sim/reset", reset, methods=["POST"]),
            Route("/_sim/faults", faults, methods=["GET", "POST"]),
            Route("/_sim/stats", stats, methods=["GET"]),
            Route("/_sim/config", config, methods=["GET", "POST"])]
