"""How close our server comes to the cheapest Python endpoint granian can run, and how
far that floor is from the Oxigraph server.

Three servers answer one query (``ASK {}`` unless ``--query``) by POST, driven by wrk
in turns (the endpoint benchmark's runner, as in ab.py):

- **floor**: a WSGI callable of a dozen lines under granian, with our workers and
  threads: it reads the body, asks an in-process pyoxigraph store and writes the JSON
  answer. No rules, no limits, no log: what any Python endpoint on granian pays;
- **ours**: ``d4sme-kg serve --no-validate`` with its defaults;
- **oxigraph**: ``oxigraph serve``;
- **engine**: no server: pyoxigraph alone in this process, called by as many Python
  threads as wrk has connections, on the same store. What a Python server could reach
  at best, roughly.

The stores are empty, or all hold ``--data`` (N-Quads; the default graph is the union
of the graphs in each): each floor worker loads it after its fork, ours loads it before
(serve's way), Oxigraph is sent it. Every server's answer is first checked against the
floor's. Reported per server: the median throughput and server CPU per request over the
rounds, and the ratios. What lies between ours and the floor is our own work (the
rules, the limits, the log, the headers); what lies between the floor and Oxigraph is
Python's and granian's share of a request, and, on a heavy query, what answering from
several worker processes costs against one process's threads. The engine line's CPU is
this whole process's per query.

    python benchmarks/wsgi_floor.py [--rounds 6] [--seconds 4]
    python benchmarks/wsgi_floor.py --data benchmarks/results/synthetic-100000.nq \
        --query "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ab import (  # noqa: E402
    ROOT,
    in_turns,
    rounds_parser,
    start,
    started,
    timed_round,
    with_wrk,
    wrk_turn,
)
from endpoint.data import BIN, answer_size, canonical, same  # noqa: E402
from endpoint.procs import call, free_port  # noqa: E402
from endpoint.servers import ServerError, fill_oxigraph  # noqa: E402

JSON_RESULTS = "application/sparql-results+json"

FLOOR_APP = textwrap.dedent(
    """
    import os

    import pyoxigraph as ox

    store = ox.Store()
    if os.environ.get("FLOOR_DATA"):
        store.bulk_load(path=os.environ["FLOOR_DATA"], format=ox.RdfFormat.N_QUADS)
    JSON = ox.QueryResultsFormat.JSON

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        query = environ["wsgi.input"].read(length).decode("utf-8")
        result = store.query(query, use_default_graph_as_union=True)
        body = result.serialize(format=JSON)
        start_response("200 OK", [
            ("Content-Type", "application/sparql-results+json"),
            ("Content-Length", str(len(body))),
        ])
        return [body]
    """
)


def checked(servers: dict[str, tuple[subprocess.Popen[bytes], int]], query: str) -> int:
    """The rows of the floor's answer to ``query``; stops if another server's differs."""
    answers = {}
    for name, (_process, port) in servers.items():
        status, headers, body = call(
            port,
            "POST",
            "/query" if name == "oxigraph" else "/sparql",
            query.encode("utf-8"),
            {"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS},
            timeout=60,
        )
        if status != 200:
            raise SystemExit(f"{name} answered {status}: {body[:300]!r}")
        answers[name] = canonical("select", body, headers.get("content-type", JSON_RESULTS))
    for name, answer in answers.items():
        equal, why = same(answers["floor"], answer)
        if not equal:
            raise SystemExit(f"{name}'s answer differs from the floor's: {why}")
    return answer_size(answers["floor"])


def floor_server(
    workers: int, threads: int, scratch: Path, data: Path | None
) -> tuple[subprocess.Popen[bytes], int]:
    """The floor app under granian with ``workers`` and ``threads``, each worker holding
    ``data``; returns once it answers."""
    (scratch / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
    port = free_port()
    command = [str(BIN / "granian"), "--interface", "wsgi", "--workers", str(workers)]
    command += ["--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "floor_app:app"]
    env = {**os.environ, "FLOOR_DATA": str(data or "")}
    return started(command, port, scratch, env), port


def engine_round(
    store: ox.Store, query: str, threads: int, seconds: float, tag: str
) -> tuple[float, float, float]:
    """pyoxigraph alone: ``threads`` threads ask ``query`` (made distinct) for ``seconds``;
    (queries per second, this process's CPU ms per query, 0: no load generator)."""
    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def ask(number: int) -> None:
        while time.perf_counter() < stop:
            text = f"{query} #{tag}-{number}-{counts[number]}"
            result = store.query(text, use_default_graph_as_union=True)
            result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
            counts[number] += 1

    wall, cpu = time.perf_counter(), time.process_time()
    askers = [threading.Thread(target=ask, args=(n,)) for n in range(threads)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done = max(sum(counts), 1)
    return done / wall, cpu / done * 1000, 0.0


def main() -> None:
    parser = rounds_parser(__doc__.split("\n\n")[0], rounds=6, seconds=4.0)
    parser.add_argument("--data", type=Path, help="an N-Quads file every store holds")
    parser.add_argument("--query", default="ASK {}")
    args = with_wrk(parser.parse_args())
    data = args.data.resolve() if args.data else None
    from d4sme_kg.commands import default_workers, serve

    # serve's own defaults, read-only.
    workers = default_workers(writes=False)
    threads = next(option.default for option in serve.params if option.name == "threads")
    scratch = Path(tempfile.mkdtemp())
    query_file = scratch / "query.rq"
    query_file.write_text(args.query, encoding="utf-8")
    store = ox.Store()
    if data:
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    if isinstance(store.query(args.query, use_default_graph_as_union=True), ox.QueryTriples):
        raise SystemExit("--query must be an ASK or a SELECT: the floor writes results only")
    oxigraph_port = free_port()
    servers: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        servers["floor"] = floor_server(workers, threads, scratch, data)
        # In memory as the others (auto would put a big file on disk).
        servers["ours"] = start(ROOT, ["--store", "memory", "--data", str(data)] if data else [])
        oxigraph = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{oxigraph_port}"]
        oxigraph += ["--union-default-graph"]  # as the floor and ours
        servers["oxigraph"] = (started(oxigraph, oxigraph_port, scratch), oxigraph_port)
        if data:
            try:
                fill_oxigraph(oxigraph_port, data, timeout=600)
            except ServerError as error:
                raise SystemExit(str(error)) from None
        rows = checked(servers, args.query)
        for name, (process, port) in servers.items():  # warm-up, not counted
            timed_round(port, process.pid, query_file, args, 1, f"warm-up-{name}")
        engine_round(store, args.query, args.connections, 1, "warm-up")
        measure = {name: wrk_turn(server, query_file, args) for name, server in servers.items()}
        measure["engine"] = lambda number: engine_round(
            store, args.query, args.connections, args.seconds, f"{number}"
        )
        rounds = in_turns(measure, args.rounds)
    finally:
        for process, _port in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
    qps = {name: statistics.median(r[0] for r in found) for name, found in rounds.items()}
    cpu = {name: statistics.median(r[1] for r in found) for name, found in rounds.items()}
    busy = {name: max(r[2] for r in found) for name, found in rounds.items()}
    what = "ASK {}" if args.query == "ASK {}" else f"the query ({rows} rows)"
    on = f"{data.name}" if data else "empty stores"
    print(f"{what} by POST on {on}, {workers} workers x {threads} threads, {args.rounds} rounds")
    for name in servers:
        print(
            f"{name:9} {qps[name]:8.0f} requests/s  {cpu[name]:.3f} ms server CPU each  "
            f"(wrk at most {busy[name]:.0%} busy)"
        )
    print(
        f"{'engine':9} {qps['engine']:8.0f} queries/s   {cpu['engine']:.3f} ms CPU each  "
        f"(pyoxigraph alone, {args.connections} threads in this process, no HTTP)"
    )
    pairs = [("ours", "floor"), ("floor", "oxigraph"), ("ours", "oxigraph")]
    for upper, lower in [*pairs, ("engine", "oxigraph")]:
        print(
            f"{upper}/{lower}: throughput {qps[upper] / qps[lower]:.3f}, "
            f"CPU per request {cpu[upper] / cpu[lower]:.2f}x"
        )


if __name__ == "__main__":
    main()
