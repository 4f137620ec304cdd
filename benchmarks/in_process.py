"""What one small query costs our Python, with no HTTP server and no other thread.

The app is built as ``d4sme-kg serve`` builds it (the article's data, evaluated in the
web process), and its WSGI callable is called in a loop on one thread with the engine's
stack, each call a POST of ``ASK {}`` made distinct by a comment, with a ``respond``
function in the environ as granian gives one (so the request is answered in place:
in_place, web.standing_in). The figure is that thread's CPU time per request: every
layer of ours (access log, stand-in, spreading, body, fast path, negotiation, engine)
and pyoxigraph's own work, without granian's HTTP handling and without any pass of the
GIL between threads. ``--profile`` prints where it goes (cProfile, by own time).

    python benchmarks/in_process.py [--requests 20000] [--query 'ASK {}'] [--profile] 2>/dev/null

(The access log's lines go to stderr, as under ``serve``.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--query", default="ASK {}")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from d4sme_kg.in_place import ANSWER_EARLY
    from d4sme_kg.logs import configure_serve_logging
    from d4sme_kg.settings import Settings
    from d4sme_kg.startup import open_service
    from d4sme_kg.store.stacks import engine_thread
    from d4sme_kg.web import create_app

    configure_serve_logging()
    settings = Settings.from_environment(
        root=str(ROOT), engine="inline", server="granian", request_threads=2, validate=False
    )
    app = create_app(open_service(settings)).wsgi_app
    query = args.query.encode("utf-8")
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def environ(number: int) -> dict[str, Any]:
        body = query + b" #%d" % number
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/sparql",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "*/*",
            "CONTENT_TYPE": "application/sparql-query",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            ANSWER_EARLY: lambda status, headers, chunks: None,
        }

    def run(count: int, first: int) -> None:
        for number in range(first, first + count):
            b"".join(app(environ(number), start_response))

    def measure() -> None:
        run(2_000, 0)  # warm: caches, the watchdog, the kept threads
        assert statuses[-1].startswith("200"), statuses[-1]
        cpu, wall = time.thread_time(), time.perf_counter()
        run(args.requests, 2_000)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        print(
            f"{args.requests} requests: {cpu / args.requests * 1e6:.1f} µs of this thread's "
            f"CPU each ({wall / args.requests * 1e6:.1f} µs wall)"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run(args.requests, 2_000 + args.requests)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)

    engine_thread(measure, "requests").join()


if __name__ == "__main__":
    main()
