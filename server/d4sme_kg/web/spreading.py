"""Keep-alive connections spread over the workers; a retiring worker sheds its own.

The workers share one listening socket (d4sme_kg.serving), and whichever wakes first
takes every connection of a burst: eight clients that connect at once all land on one
worker, whose one GIL then answers them all while the other worker idles. So each
worker posts how many requests it holds in a small table the workers share
(:class:`WorkerLoads`, made before the fork), and a worker whose requests wait for a
thread while another worker holds at least :data:`IMBALANCE` fewer ends one in
:data:`SHED_EVERY` of those requests' connections after the answer (``Connection:
close``). The client connects again, and the idle worker, quicker to accept, most
often takes it. Workers that are evenly busy shed nothing: a reconnection costs a
client a round trip.

A worker that is being retired (d4sme_kg.retirement) accepts no more connections and
ends every one it holds after its answer, so that its clients move to the live workers
and it can stop without cutting a request short. It is left out of the comparison.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import struct
import threading
from collections.abc import Callable
from typing import Any

from d4sme_kg import process_id
from d4sme_kg.retirement import retiring

#: A busy worker ends the connection of one in this many answers while others idle.
SHED_EVERY = 16
#: How many fewer requests another worker must hold for this one to shed.
IMBALANCE = 2
#: Workers the table has room for (more are served, never compared).
MAX_WORKERS = 64
_SLOT = struct.Struct("qq")  # process id, requests held
_CLOSE = ("Connection", "close")
#: What a retiring worker posts instead of its count.
_LEAVING = -1


class WorkerLoads:
    """The requests each worker holds, in memory shared by the forks of one process."""

    def __init__(self) -> None:
        self._table = mmap.mmap(-1, _SLOT.size * MAX_WORKERS)
        self._claiming = multiprocessing.Lock()
        self._pid = -1
        self._offset: int | None = None

    def post(self, held: int) -> None:
        """Say that this worker now holds ``held`` requests (or that it is retiring)."""
        if self._pid != process_id.current():
            self._claim()
        if self._offset is not None:
            _SLOT.pack_into(self._table, self._offset, self._pid, _LEAVING if retiring() else held)

    def least_held_elsewhere(self) -> int | None:
        """The fewest requests another live worker holds (retiring ones are not live);
        None when there is none."""
        least = None
        for offset in range(0, len(self._table), _SLOT.size):
            pid, held = _SLOT.unpack_from(self._table, offset)
            if pid in (0, self._pid) or held == _LEAVING:
                continue
            if (least is None or held < least) and _alive(pid):
                least = held
        return least

    def _claim(self) -> None:
        # The slot of an ended process is taken over: workers come and go. A worker
        # killed while it claimed would hold the lock for ever: past a short wait the
        # claim goes on without it (two workers in one slot only blur the counts).
        locked = self._claiming.acquire(timeout=0.5)
        try:
            self._pid, self._offset = process_id.current(), None
            for offset in range(0, len(self._table), _SLOT.size):
                pid, _held = _SLOT.unpack_from(self._table, offset)
                if pid == 0 or not _alive(pid):
                    _SLOT.pack_into(self._table, offset, self._pid, 0)
                    self._offset = offset
                    return
        finally:
            if locked:
                self._claiming.release()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process took the number
        return False
    return True


class SpreadConnections:
    """WSGI layer: ``Connection: close`` on some answers of a worker busier than
    another and on every answer of a retiring one. ``running``: the requests a worker
    runs at once (0: no bound, never busy)."""

    def __init__(self, wsgi_app: Any, running: int, loads: WorkerLoads | None = None) -> None:
        self.wsgi_app = wsgi_app
        self.running = running or 1 << 30
        self.loads = loads or WorkerLoads()
        self.in_flight = 0
        self._busy_answers = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        shed = False
        with self._lock:
            self.in_flight += 1
            held = self.in_flight
            self.loads.post(held)
            # Counted as the request comes: one past the threads waits for one.
            if held > self.running:
                self._busy_answers += 1
                if self._busy_answers % SHED_EVERY == 0:
                    least = self.loads.least_held_elsewhere()
                    shed = least is not None and held - least >= IMBALANCE

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if shed or retiring():
                headers = [h for h in headers if h[0].lower() != "connection"]
                headers.append(_CLOSE)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.loads.post(self.in_flight)
