"""Two versions of our server side by side, measured in turns in one run (an A/B test).

On a machine whose speed drifts by tens of per cent from one hour to the next, a change
worth 5 % only shows when both versions are measured at the same time. This starts
version A and version B (two checkouts, or one with two sets of ``serve`` options) on
the article's data, then times them in turns: in each round wrk (the native load
generator of endpoint/, with its keep-alive connections, new ones each round) sends the
same small query, made distinct by a comment, to one server and then to the other (the
order alternates). Reported: the median throughput and server CPU per request of each,
how busy wrk itself was (near 100 %, wrk is the limit), and in how many rounds B was
faster.

    python benchmarks/ab.py --b ../other-checkout               # code A/B
    python benchmarks/ab.py --options-b "--threads 4"           # option A/B
    python benchmarks/ab.py --query "SELECT * WHERE { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o }"
"""

from __future__ import annotations

import argparse
import http.client
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The endpoint benchmark's wrk runner: the same load generator, CPU measure and checks.
from endpoint.load import WRK_MISSING, find_wrk, wrk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(checkout: Path, options: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """``d4sme-kg serve`` from ``checkout``'s own code; returns once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "d4sme_kg", "serve", "--port", str(port), "--no-validate"]
    env = {**os.environ, "PYTHONPATH": str(checkout / "server")}
    return started(command + options, port, checkout, env), port


def started(
    command: list[str], port: int, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``command`` started in a session of its own; returns once it answers ``ASK {}``
    on ``port``."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
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
    raise SystemExit(f"{' '.join(command[:4])} … in {cwd} did not start")


def timed_round(  # type: ignore[no-untyped-def]
    port: int, pid: int, query_file: Path, args: argparse.Namespace, seconds: float, tag: str
):
    """One round: (requests per second, server CPU ms per request, wrk's busy share)."""
    measured = wrk(
        args,
        f"http://127.0.0.1:{port}/sparql",
        ["distinct", str(query_file), "application/sparql-results+json", tag],
        pid,
        seconds,
    )
    if measured["errors"] or not measured["answered"]:
        raise SystemExit(f"answers other than 200: {measured['errors']}")
    cpu_ms = measured["server_cpu"] / measured["answered"] * 1000
    return measured["qps"], cpu_ms, measured["wrk_busy"]


Measured = tuple[float, float, float]  # requests a second, CPU ms each, wrk's busy share


def in_turns(
    measure: dict[str, Callable[[int], Measured]], rounds: int
) -> dict[str, list[Measured]]:
    """Each of ``measure``'s entries called once a round, in their order in even rounds
    and the reverse in odd ones (so that none is always first); their figures by name."""
    results: dict[str, list[Measured]] = {name: [] for name in measure}
    names = list(measure)
    for number in range(rounds):
        for name in names if number % 2 == 0 else reversed(names):
            results[name].append(measure[name](number))
    return results


def wrk_turn(
    server: tuple[subprocess.Popen[bytes], int],
    query_file: Path,
    args: argparse.Namespace,
    prefix: str = "",
) -> Callable[[int], Measured]:
    """A round of wrk on ``server`` (its process, its port), for :func:`in_turns`."""
    process, port = server
    return lambda number: timed_round(
        port, process.pid, query_file, args, args.seconds, f"{prefix}{number}"
    )


def rounds_parser(description: str, rounds: int, seconds: float) -> argparse.ArgumentParser:
    """A parser with the options of every run in turns: rounds, seconds, connections."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--seconds", type=float, default=seconds, help="per round and server")
    parser.add_argument("-c", "--connections", type=int, default=8)
    return parser


def with_wrk(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with what endpoint.load.wrk needs (one thread); stops if wrk is missing."""
    args.wrk, args.wrk_threads, args.request_timeout = find_wrk(), 1, 30.0
    if args.wrk is None:
        raise SystemExit(WRK_MISSING)
    return args


def main() -> None:
    parser = rounds_parser(__doc__.split("\n\n")[0], rounds=10, seconds=3.0)
    parser.add_argument("--a", type=Path, default=ROOT, help="checkout of version A")
    parser.add_argument("--b", type=Path, default=ROOT, help="checkout of version B")
    parser.add_argument("--options-a", default="", help="more `serve` options for A")
    parser.add_argument("--options-b", default="", help="more `serve` options for B")
    parser.add_argument("--query", default="ASK {}")
    args = with_wrk(parser.parse_args())
    query_file = Path(tempfile.mkdtemp()) / "query.rq"
    query_file.write_text(args.query, encoding="utf-8")
    servers = {
        "A": start(args.a.resolve(), shlex.split(args.options_a)),
        "B": start(args.b.resolve(), shlex.split(args.options_b)),
    }
    try:
        for name, (process, port) in servers.items():  # warm-up, not counted
            timed_round(port, process.pid, query_file, args, 1, f"warm-up-{name}")
        results = in_turns(
            {name: wrk_turn(server, query_file, args, name) for name, server in servers.items()},
            args.rounds,
        )
    finally:
        for process, _port in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
    qps = {name: statistics.median(r[0] for r in rounds) for name, rounds in results.items()}
    cpu = {name: statistics.median(r[1] for r in rounds) for name, rounds in results.items()}
    busy = {name: statistics.median(r[2] for r in rounds) for name, rounds in results.items()}
    for name in ("A", "B"):
        print(
            f"{name}: median {qps[name]:.0f} requests/s, {cpu[name]:.3f} ms server CPU each "
            f"(wrk busy {busy[name]:.0%})"
        )
    wins = sum(b[0] > a[0] for a, b in zip(results["A"], results["B"], strict=True))
    print(
        f"B/A: throughput {qps['B'] / qps['A']:.3f}, CPU per request "
        f"{cpu['B'] / cpu['A']:.3f}; B faster in {wins} of {args.rounds} rounds"
    )


if __name__ == "__main__":
    main()
