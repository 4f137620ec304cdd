"""``d4sme-kg serve``: pre-forked workers over one app built once, under granian or gunicorn.

The app (store loaded and validated) is built in the main process before any worker
exists and shared with every worker by fork. Read-only, each worker evaluates queries
itself and is replaced when a runaway query retires it (store.inline; how a worker asks
to be replaced is each server's own, chosen here in every worker: see retirement.py);
with writes enabled there is one worker, and queries run in its evaluator processes
(store.pool), which hold the one copy of the data the writes change.

granian (the default) parses HTTP and holds keep-alive connections in Rust, at about
half gunicorn's CPU per request; gunicorn (``--server gunicorn``) is the all-Python
alternative.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from d4sme_kg.in_place import ANSWER_EARLY
from d4sme_kg.retirement import AskMainProcess, StopThisProcess, retire_with
from d4sme_kg.store.stacks import ENGINE_STACK

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    """What ``serve`` asks of either server.

    ``on_ready`` gets the base URL once bound; ``on_fork`` runs in each new worker
    before it starts any thread; ``on_exit`` when the main process stops.
    """

    host: str
    port: int
    processes: int
    threads: int
    #: Slow request bodies a worker reads at once: each holds a thread while it arrives,
    #: so a worker has this many threads more than ``threads`` (and web.bodies.ARRIVING
    #: more for the bodies on their way that need no slot).
    body_slots: int

    @property
    def worker_threads(self) -> int:
        """Threads per worker: the app's, the slow bodies', the arriving bodies'."""
        from d4sme_kg.web.bodies import ARRIVING

        return self.threads + self.body_slots + ARRIVING

    query_timeout: float
    on_ready: Callable[[str], None]
    on_fork: Callable[[], None]
    on_exit: Callable[[], None]

    @property
    def shown_host(self) -> str:
        return _bracketed(self.host)

    def url(self, address: tuple[Any, ...]) -> str:
        return f"http://{_bracketed(address[0])}:{address[1]}"


def _finishing_time(options: ServeOptions) -> int:
    """How long a stopping worker may take to answer the requests it holds (seconds).

    A request's evaluation is bounded by the query limit, but reading a large body and
    reading the query text are not, and on a loaded machine they take seconds: with the
    limit plus 5 s, the reliability suite saw a worker retired after a runaway killed
    with a 2.5 MB query still in hand. A retired worker's stuck query runs on meanwhile
    (nothing else can end it), and granian replaces one worker at a time, so the others
    wait too: 30 s more was worse than 5 (the suite's clients timed out).
    """
    return int(options.query_timeout) + 10


def _bracketed(host: str) -> str:
    # An IPv6 address goes in brackets in a URL or a bind address.
    return f"[{host}]" if ":" in host else host


def run(app: Flask, server: str, options: ServeOptions) -> None:
    """Serve ``app`` until SIGTERM or SIGINT (the server's main process handles both)."""
    # Everything built so far (the app, the store handles, rdflib's graphs) is kept out of
    # the garbage collector's sight: a collection in a worker would otherwise write to
    # every object's header and so copy nearly the whole heap into each fork.
    gc.collect()
    gc.freeze()
    if server == "gunicorn":
        run_gunicorn(app, options)
    else:
        run_granian(app, options)


# -- granian ---------------------------------------------------------------------------------


# granian's lifetime limit is what replaces one worker gracefully (new fork first, then
# the old one stopped); set beyond reach, it serves only the workers that ask.
_NEVER = 10**9  # seconds


def run_granian(app: Flask, options: ServeOptions) -> None:
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.net import SocketSpec  # type: ignore[attr-defined]
    from granian.server import MPServer

    # A worker that meets a runaway query writes its pid here to be replaced.
    replacement_requests, replacement_asks = os.pipe()

    class PreforkServer(MPServer):  # type: ignore[misc]
        """granian with one listening socket, bound here and inherited by the workers.

        On Linux granian otherwise gives each worker its own SO_REUSEPORT socket, made
        when the worker starts: a port 0 would be a different port in each worker.

        granian has no public hook for what this class does (one socket bound before
        the workers, one worker replaced on request, respawns through a crash loop), so
        it uses granian's private parts: it overrides ``_init_shared_socket`` and
        ``_respawn_workers``, writes ``_ssp``, ``_sfd``, ``_shd``, ``_sso`` and
        ``lifetime_signal``, reads ``wrks``, ``respawned_wrks`` and
        ``main_loop_interrupt``, and sets a worker's ``birth``.
        tests/test_serving_granian.py checks each against the installed granian, so
        that an upgrade that moves one fails there first.
        """

        _born: dict[int, float] = {}

        def _init_shared_socket(self) -> None:
            holder = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._ssp, self._sfd = None, holder.get_fd()
            self._shd = holder  # type: ignore[assignment]  # granian types it as None
            listener = socket.socket(fileno=self._sfd)
            # Listening from now on: a client that connects before the workers are up
            # waits in the backlog rather than being refused.
            listener.listen(self.backlog)
            self._sso = listener
            options.on_ready(options.url(listener.getsockname()))

        def _respawn_workers(
            self, workers: list[int], spawn_target: Any, target_loader: Any, delay: float = 0
        ) -> None:
            # granian exits for good when a worker dies again within 5.5 s of its last
            # respawn ("crash loop"): then two queries that each end a worker would end
            # the server. Dying workers are always replaced; a quick succession of
            # deaths only slows the replacing down.
            now = time.monotonic()
            if delay == 0 and any(now - self._born.get(i, -math.inf) < 5.5 for i in workers):
                log.warning(
                    "workers %s died soon after their start; replacing them in 1 s", workers
                )
                time.sleep(1.0)
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            for index in workers:
                self._born[index] = time.monotonic()
            self.respawned_wrks.clear()

        def replace_worker(self, pid: int) -> bool:
            """Have the worker ``pid`` replaced as if past its lifetime; False when it is
            not (yet) among the workers."""
            found = False
            for worker in list(self.wrks):
                if worker._id() == pid:  # type: ignore[no-untyped-call]
                    worker.birth = -math.inf
                    found = True
            if found:
                self.lifetime_signal = True
                self.main_loop_interrupt.set()
            return found

    def replace_when_listed(pid: int, tries: int = 100) -> None:
        # A worker granian has just forked serves before granian lists it (start, then
        # insert): one that meets a runaway at once asks too early. Asked again every
        # 0.2 s: a worker left unreplaced would keep its stuck query running for ever.
        if not server.replace_worker(pid) and tries > 0:
            retry = threading.Timer(0.2, replace_when_listed, args=(pid, tries - 1))
            retry.daemon = True
            retry.start()

    def read_replacement_requests() -> None:
        while len(request := os.read(replacement_requests, 4)) == 4:
            replace_when_listed(int.from_bytes(request, "little"))

    def load_in_worker() -> Flask:
        # Only the main process reads: a worker left alone (its main process killed)
        # then gets an error when it asks, and stops by itself.
        os.close(replacement_requests)
        retire_with(AskMainProcess(replacement_asks, listener=server._sfd))
        options.on_fork()
        return app

    # The workers must be forks of this process, which holds the app (granian follows
    # multiprocessing's start method, not "fork" everywhere).
    multiprocessing.set_start_method("fork", force=True)
    server = PreforkServer(
        "d4sme_kg.web:create_app",  # only a label: the app is handed over by the loader
        address=options.host,
        port=options.port,
        interface=Interfaces.WSGI,
        workers=options.processes,
        blocking_threads=options.worker_threads,
        http=HTTPModes.http1,
        websockets=False,
        # Clients of SPARQL endpoints send many small queries on one connection.
        http1_settings=HTTP1Settings(keep_alive=True, header_read_timeout=10_000),
        # A worker that dies is replaced. One that asks (or past its lifetime) is
        # replaced by a new fork first; then it is stopped, finishing the requests in
        # flight, each within its own time limit, and killed past that.
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_lifetime=_NEVER,
        workers_kill_timeout=_finishing_time(options),
        log_level=LogLevels.warning,
        log_access=False,
    )
    # granian warns that a respawn may reset connections queued on the old worker's own
    # SO_REUSEPORT socket; with the one shared socket here nothing is queued on a worker.
    logging.getLogger("_granian").addFilter(
        lambda record: "tcp_migrate_req" not in record.getMessage()
    )
    # granian also warns when a worker may have more threads than the machine has cores
    # (ours hold request bodies as they arrive, body slots, not CPU work), and when there
    # are more workers than cores: one more was measured to be faster here (README,
    # Performance), so the advice would mislead.
    logging.getLogger("_granian").addFilter(
        lambda record: (
            not any(
                warning in record.getMessage()
                for warning in ("spawning up to", "higher than the amount of CPU cores")
            )
        )
    )
    server.on_startup(
        lambda: threading.Thread(target=read_replacement_requests, daemon=True).start()
    )
    server.on_shutdown(options.on_exit)
    answer_early_in_workers()
    server.serve(target_loader=load_in_worker, wrap_loader=False)


def answer_early_in_workers() -> None:
    """Put each request's ``respond`` (in_place.ANSWER_EARLY) in its WSGI environ.

    granian answers a request with what its WSGI callable returns, through a response
    object that takes the first answer given and ignores the others, from any thread;
    granian keeps it from the app. A request's stand-in (web.standing_in) answers
    through it when the request's own thread is stuck. granian builds each worker's
    callable with ``granian.server.mp._wsgi_call_wrap``: wrapped here, in the main
    process, before the workers are forked (tests/test_serving_granian.py checks it).
    """
    import granian.server.mp as granian_workers

    wrap = granian_workers._wsgi_call_wrap  # type: ignore[attr-defined]
    if getattr(wrap, "answers_early", False):
        return

    def answering_early(callback: Any, *args: Any, **kwargs: Any) -> Any:
        run = wrap(callback, *args, **kwargs)

        def run_with_respond(proto: Any, scope: dict[str, Any]) -> Any:
            # granian makes the environ from a copy of the scope.
            scope[ANSWER_EARLY] = proto.response_iter
            return run(proto, scope)

        return run_with_respond

    answering_early.answers_early = True  # type: ignore[attr-defined]
    granian_workers._wsgi_call_wrap = answering_early  # type: ignore[attr-defined]


def give_threads_the_engine_stack() -> None:
    """Give every native thread started from now on the engine's stack.

    granian's threads answer requests in place (in_place), and the engine recurses on
    the native stack of the thread it runs on (store.stacks). Rust reads RUST_MIN_STACK
    once, when the process starts its first thread, so this runs before the data is
    loaded (the loader starts threads). A thread whose stack is smaller (the variable
    set lower by the user) hands its queries to an evaluator thread instead.
    """
    os.environ.setdefault("RUST_MIN_STACK", str(ENGINE_STACK))


# -- gunicorn --------------------------------------------------------------------------------


def run_gunicorn(app: Flask, options: ServeOptions) -> None:
    # Imported here: only this server's modules are loaded (each costs about 0.2 s).
    from gunicorn.app.base import BaseApplication

    class GunicornServer(BaseApplication):  # type: ignore[misc]
        """A gunicorn application over an already built Flask app."""

        def load_config(self) -> None:
            for key, value in gunicorn_options(options).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    GunicornServer().run()


def gunicorn_options(options: ServeOptions) -> dict[str, Any]:
    """The gunicorn settings of ``serve``."""

    def when_ready(arbiter: Any) -> None:
        options.on_ready(options.url(arbiter.LISTENERS[0].sock.getsockname()))

    def post_fork(arbiter: Any, worker: Any) -> None:
        # The arbiter forks a new worker for one that stops: a retiring one stops itself.
        retire_with(StopThisProcess())
        options.on_fork()

    return {
        "bind": [f"{options.shown_host}:{options.port}"],
        "workers": options.processes,
        "worker_class": "gthread",
        "threads": options.worker_threads,
        "preload_app": True,
        "keepalive": 5,
        # The arbiter's heartbeat check; gthread workers beat from their event loop,
        # which a query never blocks.
        "timeout": max(30, int(options.query_timeout * 3)),
        # A stopping worker lets its requests in flight finish (retired workers too).
        "graceful_timeout": _finishing_time(options),
        # gunicorn's largest bounded request line (0 would mean no bound at all): a GET
        # query of up to about 8 KB once URL-encoded; longer ones go by POST.
        "limit_request_line": 8190,
        # X-Forwarded-* are trusted only with --behind-proxy, by werkzeug's ProxyFix;
        # gunicorn itself trusts no peer.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "proc_name": "d4sme-kg",
        "worker_tmp_dir": "/dev/shm" if Path("/dev/shm").is_dir() else None,
        "when_ready": when_ready,
        "post_fork": post_fork,
        "on_exit": lambda arbiter: options.on_exit(),
        "loglevel": "warning",
        "accesslog": None,
    }
