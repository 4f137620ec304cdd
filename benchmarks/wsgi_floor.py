"""How close our server comes to the cheapest Python endpoint granian can run, and how
far that floor is from the Oxigraph server.

Three servers answer ``ASK {}`` by POST, driven by wrk in turns (the endpoint
benchmark's runner, as in ab.py):

- **floor**: a WSGI callable of a dozen lines under granian, with our workers and
  threads: it reads the body, asks an empty in-process pyoxigraph store and writes the
  JSON answer. No rules, no limits, no log: what any Python endpoint on granian pays;
- **ours**: ``d4sme-kg serve --no-validate`` with its defaults;
- **oxigraph**: ``oxigraph serve`` with an empty store.

Reported per server: the median throughput and server CPU per request over the rounds,
and the ratios. What lies between ours and the floor is our own work (the rules, the
limits, the log, the headers); what lies between the floor and Oxigraph is Python's and
granian's share of a request.

    python benchmarks/wsgi_floor.py [--rounds 6] [--seconds 4]
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab import ROOT, rounds_parser, start, started, timed_round, with_wrk  # noqa: E402
from endpoint.data import BIN  # noqa: E402
from endpoint.procs import free_port  # noqa: E402

FLOOR_APP = textwrap.dedent(
    """
    import pyoxigraph as ox

    store = ox.Store()
    JSON = ox.QueryResultsFormat.JSON

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        query = environ["wsgi.input"].read(length).decode("utf-8")
        body = store.query(query).serialize(format=JSON)
        start_response("200 OK", [
            ("Content-Type", "application/sparql-results+json"),
            ("Content-Length", str(len(body))),
        ])
        return [body]
    """
)


def main() -> None:
    parser = rounds_parser(__doc__.split("\n\n")[0], rounds=6, seconds=4.0)
    args = with_wrk(parser.parse_args())
    from d4sme_kg.commands import default_workers, serve

    # serve's own defaults, read-only.
    workers = default_workers(writes=False)
    threads = next(option.default for option in serve.params if option.name == "threads")
    scratch = Path(tempfile.mkdtemp())
    (scratch / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
    query_file = scratch / "ask.rq"
    query_file.write_text("ASK {}", encoding="utf-8")
    floor_port, oxigraph_port = free_port(), free_port()
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        servers["floor"] = (
            started(
                [
                    str(BIN / "granian"),
                    "--interface",
                    "wsgi",
                    "--workers",
                    str(workers),
                    "--blocking-threads",
                    str(threads),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(floor_port),
                    "--log-level",
                    "warning",
                    "floor_app:app",
                ],
                floor_port,
                scratch,
            ),
            floor_port,
        )
        servers["ours"] = start(ROOT, [])
        oxigraph = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{oxigraph_port}"]
        servers["oxigraph"] = (started(oxigraph, oxigraph_port, scratch), oxigraph_port)
        for name, (process, port) in servers.items():  # warm-up, not counted
            timed_round(port, process.pid, query_file, args, 1, f"warm-up-{name}")
        rounds: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
        for number in range(args.rounds):
            order = list(servers) if number % 2 == 0 else list(reversed(servers))
            for name in order:
                process, port = servers[name]
                rounds[name].append(
                    timed_round(port, process.pid, query_file, args, args.seconds, f"{number}")
                )
    finally:
        for process, _port in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
    qps = {name: statistics.median(r[0] for r in found) for name, found in rounds.items()}
    cpu = {name: statistics.median(r[1] for r in found) for name, found in rounds.items()}
    busy = {name: max(r[2] for r in found) for name, found in rounds.items()}
    print(f"ASK {{}} by POST, {workers} workers x {threads} threads, {args.rounds} rounds")
    for name in servers:
        print(
            f"{name:9} {qps[name]:8.0f} requests/s  {cpu[name]:.3f} ms server CPU each  "
            f"(wrk at most {busy[name]:.0%} busy)"
        )
    for upper, lower in (("ours", "floor"), ("floor", "oxigraph"), ("ours", "oxigraph")):
        print(
            f"{upper}/{lower}: throughput {qps[upper] / qps[lower]:.3f}, "
            f"CPU per request {cpu[upper] / cpu[lower]:.2f}x"
        )


if __name__ == "__main__":
    main()
