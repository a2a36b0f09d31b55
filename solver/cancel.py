"""Turning a cancel event into a solver's own stop call."""

from __future__ import annotations

import threading
from collections.abc import Callable

POLL_S = 0.05


def stop_on_cancel(cancel: threading.Event | None, stop: Callable[[], object]) -> threading.Event:
    """Call ``stop`` once ``cancel`` is set; set the returned event when the solve has ended.

    CP-SAT and the LP solvers only look at their own interrupt, not at a ``threading.Event``:
    a watcher thread bridges the two, checking every ``POLL_S`` s until the caller marks the
    solve done.
    """
    done = threading.Event()
    if cancel is None:
        return done

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(POLL_S):
                stop()
                return

    threading.Thread(target=watch, daemon=True).start()
    return done
