"""The logs of ``d4sme-kg serve``: one line per request, written without holding it up.

A request's log line costs it more than one would think. Writing the line gives up
the GIL, and in a worker whose threads compete for it, getting it back is what costs;
making and formatting a LogRecord costs about as much again. Measured on small
queries, the access log took 12 % of the server's CPU. So access lines skip the
record when they can, are gathered in memory, and are written in batches, at most
``delay`` seconds later, by a thread of their own. Every other log line is written at
once, as usual.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TextIO

FORMAT = "%(asctime)s %(name)s %(message)s"
ACCESS_LOGGER = "d4sme_kg.access"


def configure_serve_logging(stream: TextIO | None = None, delay: float = 0.1) -> None:
    """INFO to stderr (or ``stream``); the access log in batches (see the module)."""
    logging.basicConfig(level=logging.INFO, format=FORMAT, stream=stream)
    # Other log lines: none of what the format leaves out is gathered either (the
    # Logging HOWTO's "Optimization" settings).
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    batched = BatchedStreamHandler(stream, delay)
    batched.setFormatter(logging.Formatter(FORMAT))
    access = logging.getLogger(ACCESS_LOGGER)
    access.addHandler(batched)
    access.propagate = False


def batched_handler(logger: logging.Logger) -> BatchedStreamHandler | None:
    """The handler to give ``logger``'s lines to directly, if it is all there is."""
    if logger.propagate or len(logger.handlers) != 1 or logger.filters:
        return None
    handler = logger.handlers[0]
    return handler if isinstance(handler, BatchedStreamHandler) else None


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes its lines in batches from a thread of its own.

    The first line of a batch wakes the writer, which waits ``delay`` seconds and then
    writes all the lines gathered meanwhile in one go. The writer thread belongs to one
    process: a forked worker starts its own with its first line. What is gathered is
    written at exit too (logging.shutdown flushes every handler).
    """

    def __init__(self, stream: TextIO | None = None, delay: float = 0.1) -> None:
        super().__init__(stream)
        self.delay = delay
        self._lines: list[str] = []
        self._pending = threading.Event()
        self._writer_pid = -1
        self._second = -1
        self._stamp = ""

    def emit(self, record: logging.LogRecord) -> None:
        # Called with self.lock held (logging.Handler.handle).
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._gather(line)

    def add_line(self, logger_name: str, message: str) -> None:
        """Gather ``message`` as the formatter would show it, with no LogRecord made.

        The line reads as FORMAT renders it: local time to the millisecond, the
        logger's name, the message.
        """
        now = time.time()
        second = int(now)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._second = second
        millis = int((now - second) * 1000)
        line = f"{self._stamp},{millis:03d} {logger_name} {message}"
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            self._gather(line)

    def _gather(self, line: str) -> None:
        if self._writer_pid != os.getpid():
            # A new process (or the first line): what a parent gathered is its to write.
            self._writer_pid = os.getpid()
            self._lines = []
            self._pending = threading.Event()
            threading.Thread(target=self._write_batches, name="log-writer", daemon=True).start()
        self._lines.append(line)
        if len(self._lines) == 1:
            self._pending.set()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._lines = self._lines, []
            self._pending.clear()
        if lines:
            # Outside the lock: requests go on gathering while this is written.
            self.stream.write(self.terminator.join(lines) + self.terminator)
            self.stream.flush()

    def _write_batches(self) -> None:
        pending = self._pending
        while True:
            pending.wait()
            time.sleep(self.delay)
            self.flush()
