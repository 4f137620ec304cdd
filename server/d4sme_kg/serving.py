"""``d4sme-kg serve`` under gunicorn: pre-forked workers with threads, one app built once.

The app (store loaded and validated) is built in the arbiter before any worker exists and
shared with every worker by fork. Read-only, each worker evaluates queries itself and
is replaced when a runaway query retires it (store.inline); with writes enabled there is
one worker, and queries run in its evaluator processes (store.pool), which hold the one
copy of the data the writes change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """A gunicorn application over an already built Flask app."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def gunicorn_options(
    *,
    host: str,
    port: int,
    processes: int,
    threads: int,
    query_timeout: float,
    on_ready: Callable[[str], None],
    on_fork: Callable[[], None],
    on_exit: Callable[[], None],
) -> dict[str, Any]:
    """The gunicorn settings of ``serve``.

    ``on_ready`` gets the base URL once bound; ``on_fork`` runs in each new worker
    before it starts any thread; ``on_exit`` when the arbiter stops.
    """

    def when_ready(arbiter: Any) -> None:
        address = arbiter.LISTENERS[0].sock.getsockname()
        shown = f"[{address[0]}]" if ":" in address[0] else address[0]
        on_ready(f"http://{shown}:{address[1]}")

    shown_host = f"[{host}]" if ":" in host else host
    return {
        "bind": [f"{shown_host}:{port}"],
        "workers": processes,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        # Clients of SPARQL endpoints send many small queries on one connection.
        "keepalive": 5,
        # The arbiter's heartbeat check; gthread workers beat from their event loop,
        # which a query never blocks.
        "timeout": max(30, int(query_timeout * 3)),
        # A stopping worker lets its requests in flight finish (retired workers too).
        "graceful_timeout": int(query_timeout) + 5,
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
        "post_fork": lambda arbiter, worker: on_fork(),
        "on_exit": lambda arbiter: on_exit(),
        "loglevel": "warning",
        "accesslog": None,
    }


def run(app: Flask, options: dict[str, Any]) -> None:
    """Serve ``app`` until SIGTERM or SIGINT (gunicorn's arbiter handles both)."""
    GunicornServer(app, options).run()
