"""Loading and restarting an on-disk store, ours against Oxigraph's own server, in one run.

At one size (10⁶ synthetic quads by default, from synthetic.py), one after the other:

- ``ours-disk``: ``d4sme-kg serve --data FILE --store DIR`` (first load, bulk loader)
  until /healthz answers 200, then ``d4sme-kg serve --store DIR`` again (restart);
- ``oxigraph-disk``: ``oxigraph load --location DIR --file FILE`` then
  ``oxigraph serve-read-only --location DIR`` until it answers ``ASK {}``, then
  ``serve-read-only`` again (restart);
- ``ours-memory`` and ``oxigraph-memory``: ``d4sme-kg serve --data FILE --store memory``
  and ``oxigraph serve`` with the file POSTed to /store.

For each: seconds to ready, the peak memory of the process tree during the load
(sampled every 0.1 s: RSS summed, and PSS, which shares pages out among the processes
that map them), and the tree's PSS after 200 queries. Validation is off for ours
(``--no-validate``): Oxigraph does none, the synthetic data breaks the project's shapes,
and a store past 10⁵ triples is not validated at start anyway (startup.SHACL_AT_START_MAX).
The machine's load average is printed with every figure: on a shared machine, times
move with it.

    .venv/bin/python benchmarks/load.py                  # 10⁶ quads
    .venv/bin/python benchmarks/load.py --size 1e7       # about 2 GB of N-Quads, slow

Writes benchmarks/results/load-<size>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from endpoint.procs import call, free_port, load_average, memory, settle  # noqa: E402

RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
QUERIES = 200
#: The targets of issue 15, as ratios ours / Oxigraph's (restart: seconds, at 10⁷).
TARGETS = {"first_load": 1.1, "peak_load": 1.2, "pss_serving": 1.5, "pss_memory": 1.5}


class Peak:
    """The highest memory of a process tree, sampled every 0.1 s until stopped."""

    def __init__(self) -> None:
        self.pids: list[int] = []
        self.rss = 0.0
        self.pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            for pid in list(self.pids):
                now = memory(pid)
                self.rss = max(self.rss, now["rss_mb"])
                self.pss = max(self.pss, now["pss_mb"])

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(timeout=5)
        return {"rss_mb": round(self.rss, 1), "pss_mb": round(self.pss, 1)}


def start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_ready(process: subprocess.Popen[bytes], port: int, path: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if call(port, "GET", path, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{process.args!r} not ready within {limit} s")


def queries(anchors: dict[str, Any]) -> list[str]:
    """Four small queries a page or a client asks, over every named graph."""
    org, event = anchors["org"], anchors["event"]
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    return [
        f"SELECT ?p ?o WHERE {{ GRAPH ?g {{ <{org}> ?p ?o }} }} LIMIT 100",
        f"SELECT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p <{event}> }} }} LIMIT 100",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?c <{rdf}subject> <{org}> }} }}",
        f"SELECT ?c ?o WHERE {{ GRAPH ?g {{ ?c <{rdf}subject> <{event}> ; <{rdf}object> ?o }} }}",
    ]


def ask_queries(port: int, path: str, texts: list[str]) -> None:
    for index in range(QUERIES):
        text = urllib.parse.quote(texts[index % len(texts)])
        headers = {"Accept": "application/sparql-results+json"}
        status = call(port, "GET", f"{path}?query={text}", headers=headers, timeout=120)[0]
        if status != 200:
            raise RuntimeError(f"query answered {status}")


def serving_pss(process: subprocess.Popen[bytes], port: int, path: str, texts: list[str]) -> float:
    ask_queries(port, path, texts)
    settle(process.pid, 10)
    return memory(process.pid)["pss_mb"]


def timed_start(
    command: Sequence[str], port: int, ready: str, peak: Peak | None, limit: float
) -> tuple[subprocess.Popen[bytes], float]:
    began = time.monotonic()
    process = start(command)
    if peak is not None:
        peak.pids.append(process.pid)
    wait_ready(process, port, ready, limit)
    return process, time.monotonic() - began


def ours(data: Path, folder: Path, texts: list[str], limit: float) -> dict[str, Any]:
    serve = [str(BIN / "d4sme-kg"), "serve", "--no-validate"]
    port = free_port()
    first = [*serve, "--port", str(port), "--data", str(data), "--store", str(folder)]
    load = load_average()
    peak = Peak()
    process, seconds = timed_start(first, port, "/healthz", peak, limit)
    peak_memory = peak.stop()
    pss, restart, restart_load = _serve_then_restart(
        process,
        port,
        "/sparql",
        texts,
        lambda new_port: [*serve, "--port", str(new_port), "--store", str(folder)],
        "/healthz",
        limit,
    )
    return _figures(load, seconds, peak_memory, pss, restart, restart_load)


def oxigraph(data: Path, folder: Path, texts: list[str], limit: float) -> dict[str, Any]:
    binary = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
    load = load_average()
    peak = Peak()
    began = time.monotonic()
    loader = start([binary, "load", "--location", str(folder), "--file", str(data)])
    peak.pids.append(loader.pid)
    if loader.wait() != 0:
        raise RuntimeError(f"oxigraph load exited with {loader.returncode}")

    def serve(port: int) -> list[str]:
        return [binary, "serve-read-only", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]

    port = free_port()
    ask = "/query?query=ASK%7B%7D"
    process, _ = timed_start(serve(port), port, ask, peak, limit)
    seconds = time.monotonic() - began
    peak_memory = peak.stop()
    pss, restart, restart_load = _serve_then_restart(
        process, port, "/query", texts, serve, ask, limit
    )
    return _figures(load, seconds, peak_memory, pss, restart, restart_load)


def _serve_then_restart(
    process: subprocess.Popen[bytes],
    port: int,
    endpoint: str,
    texts: list[str],
    restart: Callable[[int], list[str]],
    ready: str,
    limit: float,
) -> tuple[float, float, float]:
    """What both servers go through once their first load is ready: the PSS of the tree
    after the queries, then, stopped, the seconds a restart on the loaded store takes
    (``restart`` is its command for a port), with the load average at the restart."""
    try:
        pss = serving_pss(process, port, endpoint, texts)
    finally:
        stop(process)
    port = free_port()
    restart_load = load_average()
    process, seconds = timed_start(restart(port), port, ready, None, limit)
    stop(process)
    return pss, seconds, restart_load


def _figures(
    load: Any, seconds: float, peak: Any, pss: Any, restart: float, restart_load: Any
) -> dict[str, Any]:
    """One server's figures, as both sides report them."""
    return {
        "load_average": load,
        "first_load_s": round(seconds, 2),
        "peak_load": peak,
        "pss_serving_mb": pss,
        "restart_s": round(restart, 3),
        "restart_load_average": restart_load,
    }


def ours_memory(data: Path, texts: list[str], limit: float) -> dict[str, Any]:
    port = free_port()
    command = [str(BIN / "d4sme-kg"), "serve", "--no-validate", "--port", str(port)]
    command += ["--data", str(data), "--store", "memory"]
    load = load_average()
    process, seconds = timed_start(command, port, "/healthz", None, limit)
    try:
        pss = serving_pss(process, port, "/sparql", texts)
    finally:
        stop(process)
    return {"load_average": load, "ready_s": round(seconds, 2), "pss_serving_mb": pss}


def oxigraph_memory(data: Path, texts: list[str], limit: float) -> dict[str, Any]:
    binary = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
    port = free_port()
    load = load_average()
    began = time.monotonic()
    process = start([binary, "serve", "--bind", f"127.0.0.1:{port}"])
    try:
        wait_ready(process, port, "/query?query=ASK%7B%7D", limit)
        headers = {"Content-Type": "application/n-quads"}
        status = call(port, "POST", "/store", data.read_bytes(), headers, timeout=limit)[0]
        if status not in (200, 201, 204):
            raise RuntimeError(f"oxigraph /store answered {status}")
        seconds = time.monotonic() - began
        pss = serving_pss(process, port, "/query", texts)
    finally:
        stop(process)
    return {"load_average": load, "ready_s": round(seconds, 2), "pss_serving_mb": pss}


def ratios(found: dict[str, Any]) -> dict[str, float]:
    a, b = found["ours-disk"], found["oxigraph-disk"]
    m, n = found["ours-memory"], found["oxigraph-memory"]

    def ratio(x: float, y: float) -> float:
        return round(x / y, 2) if y else float("nan")

    return {
        "first_load": ratio(a["first_load_s"], b["first_load_s"]),
        "peak_load": ratio(a["peak_load"]["pss_mb"], b["peak_load"]["pss_mb"]),
        "pss_serving": ratio(a["pss_serving_mb"], b["pss_serving_mb"]),
        "restart": ratio(a["restart_s"], b["restart_s"]),
        "pss_memory": ratio(m["pss_serving_mb"], n["pss_serving_mb"]),
    }


def markdown(size: int, found: dict[str, Any], ratio: dict[str, float]) -> str:
    a, b = found["ours-disk"], found["oxigraph-disk"]
    m, n = found["ours-memory"], found["oxigraph-memory"]
    rows = [
        ("first load to ready (s)", a["first_load_s"], b["first_load_s"], "first_load"),
        (
            "peak PSS during load (MB)",
            a["peak_load"]["pss_mb"],
            b["peak_load"]["pss_mb"],
            "peak_load",
        ),
        (
            "peak RSS summed during load (MB)",
            a["peak_load"]["rss_mb"],
            b["peak_load"]["rss_mb"],
            "",
        ),
        ("PSS serving, 200 queries (MB)", a["pss_serving_mb"], b["pss_serving_mb"], "pss_serving"),
        ("restart to ready (s)", a["restart_s"], b["restart_s"], "restart"),
        ("in memory: ready (s)", m["ready_s"], n["ready_s"], ""),
        ("in memory: PSS serving (MB)", m["pss_serving_mb"], n["pss_serving_mb"], "pss_memory"),
    ]
    lines = [
        f"# Load and restart at {size:,} quads",
        "",
        f"load average at the start of each: ours-disk {a['load_average']}, "
        f"oxigraph-disk {b['load_average']}, ours-memory {m['load_average']}, "
        f"oxigraph-memory {n['load_average']}",
        "",
        "| figure | ours | Oxigraph | ratio | target |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, x, y, key in rows:
        shown = f"{ratio[key]}×" if key else ""
        target = f"≤ {TARGETS[key]}×" if key in TARGETS else ""
        lines.append(f"| {name} | {x} | {y} | {shown} | {target} |")
    return "\n".join(lines) + "\n"


def synthetic(size: int) -> Path:
    path = RESULTS / f"synthetic-{size}.nq"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(size)], check=True)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1e6", help="quads (default 1e6)")
    parser.add_argument("--limit", type=float, default=1800, help="seconds any step may take")
    args = parser.parse_args(argv)
    size = int(float(args.size))
    data = synthetic(size)
    anchors = json.loads(Path(f"{data}.anchors.json").read_text(encoding="utf-8"))
    texts = queries(anchors)
    print(f"{size:,} quads from {data}; load average {load_average()}", flush=True)
    found: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[Path], dict[str, Any]]]] = [
        ("ours-disk", lambda tmp: ours(data, tmp / "ours", texts, args.limit)),
        ("oxigraph-disk", lambda tmp: oxigraph(data, tmp / "oxigraph", texts, args.limit)),
        ("ours-memory", lambda tmp: ours_memory(data, texts, args.limit)),
        ("oxigraph-memory", lambda tmp: oxigraph_memory(data, texts, args.limit)),
    ]
    with tempfile.TemporaryDirectory(prefix="d4sme-load-") as folder:
        for name, step in steps:
            found[name] = step(Path(folder))
            print(name, json.dumps(found[name]), flush=True)
    ratio = ratios(found)
    report = markdown(size, found, ratio)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"load-{size}"
    out.with_suffix(".json").write_text(
        json.dumps({"size": size, "results": found, "ratios": ratio}, indent=2) + "\n",
        encoding="utf-8",
    )
    out.with_suffix(".md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
