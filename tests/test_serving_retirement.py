"""How a worker asks to be replaced: each server chooses its way in every worker it
starts (serving.py), and retirement.retire_this_process asks that way, once.

Each retirement runs in a forked child, which it signals or ends; under granian, a
stand-in for granian's main process runs serving.run_granian's own wiring.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from d4sme_kg import retirement
from d4sme_kg.retirement import AskMainProcess, StopThisProcess, retire_this_process
from d4sme_kg.serving import ServeOptions, gunicorn_options, run_granian

OPTIONS = ServeOptions(
    host="127.0.0.1",
    port=0,
    processes=1,
    threads=1,
    body_slots=1,
    query_timeout=1.0,
    on_ready=lambda url: None,
    on_fork=lambda: None,
    on_exit=lambda: None,
)


def in_a_child(action: Callable[[], None]) -> int:
    """The wait status of a forked child that runs ``action``, then waits 30 s and exits
    with 3 (an exception: 2)."""
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            action()
            time.sleep(30)
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


def stopped_by_sigterm(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM


def test_a_process_under_no_server_stops_itself() -> None:
    assert stopped_by_sigterm(in_a_child(lambda: retire_this_process(grace=30)))


def test_a_gunicorn_worker_stops_itself_for_the_arbiter_to_replace_it() -> None:
    asked, asking = os.pipe()

    def worker() -> None:
        retirement.retire_with(AskMainProcess(asking))  # what was chosen before, if any
        gunicorn_options(OPTIONS)["post_fork"](None, None)
        retire_this_process(grace=30)

    try:
        assert stopped_by_sigterm(in_a_child(worker))
        os.set_blocking(asked, False)
        with pytest.raises(BlockingIOError):
            os.read(asked, 4)
    finally:
        os.close(asked)
        os.close(asking)


def test_stopping_alone_ends_the_process_after_its_grace_even_if_sigterm_does_not() -> None:
    def stuck() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as a worker held by its query
        StopThisProcess().ask(grace=0.2)

    started = time.monotonic()
    status = in_a_child(stuck)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert time.monotonic() - started < 10


def test_a_granian_worker_whose_main_process_is_gone_stops_itself() -> None:
    asked, asking = os.pipe()
    os.close(asked)
    try:
        assert stopped_by_sigterm(in_a_child(lambda: AskMainProcess(asking).ask(grace=30)))
    finally:
        os.close(asking)


def test_a_granian_worker_stops_accepting_before_it_asks() -> None:
    # A connection already queued on the shared socket when the worker retires.
    with socket.create_server(("127.0.0.1", 0)) as shared:
        shared.setblocking(False)
        waiting = socket.create_connection(shared.getsockname())
        asked, asking = os.pipe()

        def leaving_worker() -> None:
            AskMainProcess(asking, listener=shared.fileno()).ask(grace=30)
            # What granian's accept loop would do next: nothing is there to take.
            with socket.socket(fileno=os.dup(shared.fileno())) as listener:
                try:
                    listener.accept()
                except BlockingIOError:
                    os._exit(0)
            os._exit(1)

        try:
            status = in_a_child(leaving_worker)
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            assert int.from_bytes(os.read(asked, 4), "little") > 0
            # The other workers still take it from the shared socket.
            taken, _ = shared.accept()
            taken.close()
        finally:
            waiting.close()
            os.close(asked)
            os.close(asking)


def test_a_granian_worker_not_replaced_in_time_stops_itself() -> None:
    # Asked through a pipe that nobody reads: the main process never acts.
    with socket.create_server(("127.0.0.1", 0)) as shared:
        asked, asking = os.pipe()
        try:
            leaving = AskMainProcess(asking, listener=shared.fileno(), unanswered=0.2)
            started = time.monotonic()
            assert stopped_by_sigterm(in_a_child(lambda: leaving.ask(grace=0.1)))
            assert time.monotonic() - started < 10  # not the child's 30 s of waiting
        finally:
            os.close(asked)
            os.close(asking)


def test_a_process_asks_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asks: list[float] = []

    class Counted:
        def ask(self, grace: float) -> None:
            asks.append(grace)

    monkeypatch.setattr(retirement, "_retiring", threading.Event())
    monkeypatch.setattr(retirement, "_retirement", Counted())
    retire_this_process(grace=7)
    retire_this_process(grace=8)
    assert asks == [7] and retirement.retiring()


class _Worker:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.birth = 0.0

    def _id(self) -> int:
        return self.pid


class _GranianMainProcess:
    """Just enough of granian's MPServer for run_granian: serve() runs the main process's
    start-up hooks, forks one worker through the loader, which meets a runaway query, and
    waits for the main process to mark it for replacement."""

    last: _GranianMainProcess

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.startup: list[Callable[[], None]] = []
        self.wrks: list[_Worker] = []
        self.lifetime_signal = False
        self.main_loop_interrupt = threading.Event()
        self.status = -1
        # The socket the workers share, with a client waiting in its queue.
        self.shared = socket.create_server(("127.0.0.1", 0))
        self.shared.setblocking(False)
        self._sfd = self.shared.fileno()
        self.waiting = socket.create_connection(self.shared.getsockname())
        _GranianMainProcess.last = self

    def on_startup(self, hook: Callable[[], None]) -> None:
        self.startup.append(hook)

    def on_shutdown(self, hook: Callable[[], None]) -> None:
        pass

    def serve(self, target_loader: Callable[[], Any], wrap_loader: bool) -> None:
        for hook in self.startup:
            hook()
        pid = os.fork()
        if pid == 0:
            code = 2
            try:
                target_loader()
                retire_this_process(grace=30)
                with socket.socket(fileno=os.dup(self._sfd)) as listener:
                    try:
                        listener.accept()
                        code = 1  # the leaving worker took the waiting client
                    except BlockingIOError:
                        code = 0
            finally:
                os._exit(code)
        self.wrks.append(_Worker(pid))
        _, self.status = os.waitpid(pid, 0)
        self.main_loop_interrupt.wait(10)


def test_a_granian_worker_asks_the_main_process_to_replace_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import granian.server

    monkeypatch.setattr(granian.server, "MPServer", _GranianMainProcess)
    # run_granian sets the start method of the whole process: not this test's to change.
    monkeypatch.setattr("multiprocessing.set_start_method", lambda *args, **kwargs: None)
    pipes: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "pipe", lambda: pipes.append(ends := _pipe()) or ends)
    try:
        run_granian(None, OPTIONS)  # type: ignore[arg-type]
    finally:
        # The main process reads the pipe until every write end is closed.
        for _, write_end in pipes:
            os.close(write_end)
        for thread in threading.enumerate():
            if thread.name.endswith("(read_replacement_requests)"):
                thread.join(timeout=10)
        for read_end, _ in pipes:
            os.close(read_end)
    server = _GranianMainProcess.last
    # The worker stopped accepting, asked through the pipe and went on (the main
    # process stops it); the client it left waits for the other workers.
    assert os.WIFEXITED(server.status) and os.WEXITSTATUS(server.status) == 0
    taken, _ = server.shared.accept()
    for sock in (taken, server.waiting, server.shared):
        sock.close()
    assert server.main_loop_interrupt.is_set() and server.lifetime_signal
    assert [worker.birth for worker in server.wrks] == [-math.inf]


_pipe = os.pipe


def test_a_granian_worker_that_cannot_stop_accepting_still_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_socket_to_spare(listener: int) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(retirement, "stop_accepting", no_socket_to_spare)
    asked, asking = os.pipe()
    try:
        AskMainProcess(asking, listener=0).ask(grace=30)
        assert int.from_bytes(os.read(asked, 4), "little") == os.getpid()
    finally:
        os.close(asked)
        os.close(asking)
