"""Whether this worker process is being retired: a fact about the process, read by layers.

A read-only worker that meets a runaway query cannot stop it (store.inline), so it asks
to be replaced. From then on it should shed its connections (the web layer ends each
one after its answer) so that its server can stop it without cutting requests short.
"""

from __future__ import annotations

import threading

_retiring = threading.Event()


def retiring() -> bool:
    """True once this process has asked to be replaced."""
    return _retiring.is_set()


def start_retiring() -> bool:
    """Mark this process as retiring; False when it already was."""
    if _retiring.is_set():
        return False
    _retiring.set()
    return True
