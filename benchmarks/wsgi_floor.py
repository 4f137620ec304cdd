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

import argparse
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab import ROOT, start, timed_round  # noqa: E402
from endpoint.load import WRK_MISSING, find_wrk  # noqa: E402
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


def beside_python(command: str) -> str:
    found = Path(sys.executable).with_name(command)
    if found.exists():
        return str(found)
    return shutil.which(command) or sys.exit(f"{command} not found (pip install {command})")


def started(command: list[str], port: int, cwd: Path) -> subprocess.Popen[bytes]:
    """``command`` started in a session of its own; returns once ASK {} is answered."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            headers = {"Content-Type": "application/sparql-query"}
            connection.request("POST", "/sparql", b"ASK {}", headers)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"{command[0]} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=4.0, help="per round and server")
    parser.add_argument("-c", "--connections", type=int, default=8)
    args = parser.parse_args()
    args.wrk, args.wrk_threads, args.request_timeout = find_wrk(), 1, 30.0
    if args.wrk is None:
        raise SystemExit(WRK_MISSING)
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
                    beside_python("granian"),
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
        oxigraph = [beside_python("oxigraph"), "serve", "--bind", f"127.0.0.1:{oxigraph_port}"]
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
