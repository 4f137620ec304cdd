"""The version of a store this process holds: which state of the data an answer is of.

A token drawn when the service is assembled (a restart, new code or new data never
meets an old version) and a count of the writes made since. Writes happen only through
the service, in one web process when writes are on (d4sme_kg.serving), and each one
that reaches the store's write lock counts once it is done, whatever its outcome: one
rejected changed nothing, and counting it costs only a revalidation.

HTTP validators (web.caching) and the VoID statistics (web.void) are keyed on it. A
remote store changes behind our back, so it has no version.
"""

from __future__ import annotations

import secrets
import threading


class StoreVersion:
    """A token for this service's life and a count of the writes made in it."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.writes = 0
        self._lock = threading.Lock()

    def __str__(self) -> str:
        return f"{self.token}.{self.writes}"

    def count_a_write(self) -> None:
        with self._lock:
            self.writes += 1
