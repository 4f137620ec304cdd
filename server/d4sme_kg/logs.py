"""The logs of ``d4sme-kg serve``: one line per request, written without holding it up.

A request's log line costs it more than one would think. Writing the line gives up
the GIL, and in a worker whose threads compete for it, getting it back is what costs;
making and formatting a LogRecord costs about as much again. On small queries that
is a visible share of the server's CPU (the figure is in benchmarks/README.md, "Figures
behind design choices"). So access lines skip the record when they can, are gathered
in memory, and are written in batches, at most ``delay`` seconds later, by a thread of
their own. Every other log line is written at once, as usual.
"""

from __future__ import annotations

import logging
import multiprocessing.util
import os
import re
import threading
import time
from typing import TextIO

from d4sme_kg import process_id

FORMAT = "%(asctime)s %(name)s %(message)s"
ACCESS_LOGGER = "d4sme_kg.access"

#: Writes to a pipe of at most this many bytes are never interleaved with other
#: processes' writes (POSIX PIPE_BUF): the workers share one stderr.
ATOMIC_WRITE = 4096


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


#: What a logged field must not hold as it is: C0 controls (CR and LF among them), DEL,
#: C1 controls, and the Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` on one line: its control characters as ``\\xNN`` (``\\u2028``, ``\\u2029``).

    A request's path and method are the client's to choose; a CR or LF written as it
    is would start a log line that looks like another request.
    """
    if text.isprintable():
        return text  # almost every request: checked at C speed
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def batched_handler(logger: logging.Logger) -> BatchedStreamHandler | None:
    """The handler to give ``logger``'s lines to directly, if it is all there is."""
    if logger.propagate or len(logger.handlers) != 1 or logger.filters:
        return None
    handler = logger.handlers[0]
    return handler if isinstance(handler, BatchedStreamHandler) else None


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes its lines in batches from a thread of its own.

    The first line of a batch wakes the writer, which waits ``delay`` seconds and then
    writes all the lines gathered meanwhile, in writes of at most ATOMIC_WRITE bytes.
    The writer belongs to one process: a forked worker drops what its parent had
    gathered and starts its own writer with its first line. What is gathered is
    written when the process exits, including a multiprocessing child (granian's
    workers), which skips atexit. Past ``max_lines`` waiting (a stream that blocks),
    or when a write fails, lines are dropped and counted, and the count is written
    with the next batch.
    """

    def __init__(
        self, stream: TextIO | None = None, delay: float = 0.1, max_lines: int = 100_000
    ) -> None:
        super().__init__(stream)
        self.delay = delay
        self.max_lines = max_lines
        self._clock: tuple[int, str] = (-1, "")
        self._start_afresh()
        os.register_at_fork(after_in_child=self._start_afresh)

    def _start_afresh(self) -> None:
        self._lines: list[str] = []
        self._dropped = 0
        self._pending = threading.Event()
        self._stopping = threading.Event()
        self._writer_pid = -1

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
        line = self._stamped(logger_name, message)
        with self.lock:  # type: ignore[union-attr]  # made by Handler.__init__
            self._gather(line)

    def _stamped(self, logger_name: str, message: str) -> str:
        now = time.time()
        second = int(now)
        clock = self._clock  # one tuple: a thread never pairs one second with another's text
        if clock[0] != second:
            clock = (second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second)))
            self._clock = clock
        return f"{clock[1]},{int((now - second) * 1000):03d} {logger_name} {message}"

    def _gather(self, line: str) -> None:
        if self._writer_pid != process_id.current():
            self._writer_pid = process_id.current()
            threading.Thread(target=self._write_batches, name="log-writer", daemon=True).start()
            # Written at exit: multiprocessing runs its finalizers at the exit of any
            # process, a child it ends with os._exit (granian's workers) included.
            multiprocessing.util.Finalize(self, self.flush, exitpriority=100)
        if len(self._lines) >= self.max_lines:
            self._dropped += 1
            return
        self._lines.append(line)
        if len(self._lines) == 1:
            self._pending.set()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._lines = self._lines, []
            dropped, self._dropped = self._dropped, 0
            self._pending.clear()
        # Outside the lock: requests go on gathering while this is written.
        start, size = 0, 0
        for end, line in enumerate(lines):
            length = len(line.encode()) + 1
            if end > start and size + length > ATOMIC_WRITE:
                self._write(lines[start:end])
                start, size = end, 0
            size += length
        if lines:
            self._write(lines[start:])
        if dropped:
            note = f"{dropped} lines were dropped: the log stream was blocked or broken"
            self._write([self._stamped(__name__, note)], stands_for=dropped)

    def _write(self, lines: list[str], stands_for: int | None = None) -> None:
        try:
            self.stream.write(self.terminator.join(lines) + self.terminator)
            self.stream.flush()
        except (OSError, ValueError):  # a broken or closed stream: these lines are lost
            with self.lock:  # type: ignore[union-attr]
                self._dropped += len(lines) if stands_for is None else stands_for

    def close(self) -> None:
        """Write what is gathered and stop the writer."""
        self._stopping.set()
        self._pending.set()
        try:
            self.flush()
        finally:
            super().close()

    def _write_batches(self) -> None:
        pending, stopping = self._pending, self._stopping
        while not stopping.is_set():
            pending.wait()
            stopping.wait(self.delay)
            self.flush()
