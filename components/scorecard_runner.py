"""The scorecard run behind the page: planned on each rerun, run on a background thread, watched by a fragment.

The suite runs off the script thread (its probes are ordinary jobs), so a rerun, another page or a closed tab
does not stop it; its result is read back from the store. One run per browser session at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from easel import scorecard
from easel.core.errors import EaselError

__all__ = ["Progress", "start", "progress", "clear"]


@dataclass
class Progress:
    provider: str
    total: int
    done: int = 0
    last: str = "submitting"
    run_id: str | None = None
    error: str | None = None
    finished: bool = False


_runs: dict[str, Progress] = {}
_lock = threading.Lock()


def progress(session_id: str) -> Progress | None:
    with _lock:
        return _runs.get(session_id)


def clear(session_id: str) -> None:
    with _lock:
        _runs.pop(session_id, None)


def start(session_id: str, service, client, plan: scorecard.Plan) -> Progress | None:
    """Start the suite for this session unless one is already running; returns its Progress (None if busy)."""
    with _lock:
        current = _runs.get(session_id)
        if current is not None and not current.finished:
            return None
        state = _runs[session_id] = Progress(client.profile.id, len(plan.probes))

    def on_progress(done: int, total: int, key: str) -> None:
        state.done, state.total, state.last = done, total, key

    def work() -> None:
        try:
            card = scorecard.run(service, client, plan, on_progress=on_progress)
            state.run_id = card.run_id
        except EaselError as e:
            state.error = e.user_message()
        except Exception as e:  # noqa: BLE001 - shown on the page instead of a traceback
            state.error = f"The scorecard stopped: {type(e).__name__}: {e}"
        finally:
            state.finished = True

    threading.Thread(target=work, name="easel-scorecard", daemon=True).start()
    return state
