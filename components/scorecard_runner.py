"""The scorecard runs behind the page: planned on each rerun, run on a background thread, watched by a fragment.

The suites run off the script thread (their probes are ordinary jobs), so a rerun, another page or a closed tab
does not stop them; each result is read back from the store. One batch of runs per browser session at a time;
the chosen providers run one after the other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from easel import scorecard
from easel.core import identity
from easel.core.errors import EaselError
from easel.core.i18n import _, current_language, use_language

__all__ = ["Progress", "start", "progress", "clear"]


@dataclass
class Progress:
    total: int
    done: int = 0
    last: str = ""                    # the probe last done ("" before the first)
    run_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished: bool = False


_runs: dict[str, Progress] = {}
_lock = threading.Lock()


def progress(session_id: str) -> Progress | None:
    with _lock:
        return _runs.get(session_id)


def clear(session_id: str) -> None:
    with _lock:
        _runs.pop(session_id, None)


def start(session_id: str, service, work: list[tuple[object, scorecard.Plan]]) -> Progress | None:
    """Run each (target, plan) in turn for this session unless a batch is already running; returns its Progress
    (None if busy). A target is a components.scorecard_targets.Target."""
    with _lock:
        current = _runs.get(session_id)
        if current is not None and not current.finished:
            return None
        state = _runs[session_id] = Progress(sum(len(plan.probes) for _unused, plan in work))
    # The thread has no browser session: its messages speak the language of the session that started it.
    lang = current_language()
    # Nor a signed-in person: its probes' jobs are the person's who started it (easel.core.identity).
    who = identity.current()

    def run_all() -> None:
        base = 0
        try:
            for target, plan in work:
                def on_progress(done: int, total: int, key: str, base=base, label=target.label) -> None:
                    state.done, state.last = base + done, f"{label}: {key}"

                with use_language(lang), identity.use_person(who):
                    state.run_ids.append(_run_one(service, target, plan, on_progress, state))
                base += len(plan.probes)
        finally:
            state.finished = True

    threading.Thread(target=run_all, name="easel-scorecard", daemon=True).start()
    return state


def _run_one(service, target, plan, on_progress, state: Progress) -> str:
    client = None
    try:
        client = target.make_client()
        return scorecard.run(service, client, plan, on_progress=on_progress).run_id
    except EaselError as e:
        state.errors.append(f"{target.label}: {e.user_message()}")
    except Exception as e:  # noqa: BLE001 - shown on the page instead of a traceback
        state.errors.append(_("{provider}: the scorecard stopped: {error}").format(
            provider=target.label, error=f"{type(e).__name__}: {e}"))
    finally:
        if client is not None and target.owns_client:
            client.close()
    return ""
