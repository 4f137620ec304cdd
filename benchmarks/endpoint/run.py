"""The command line and the run: sizes one after another, servers side by side."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from typing import Any

import pyoxigraph as ox

from . import report as reporting
from .data import BIN, RESULTS, answer_size, label_of, prepare, reference
from .load import WRK_MISSING, find_wrk
from .measure import measure
from .procs import load_average, machine, memory
from .queries import PREFIXES, QUERIES, concrete, described
from .servers import (
    Ours,
    Oxigraph,
    RdflibEndpoint,
    Server,
    ServerError,
    rdflib_endpoint_command,
    remove_tree,
)

SERVERS = ("ours", "oxigraph", "rdflib")
#: The servers that also run on a store on disk, as "<name>-disk" (unless --memory-only).
WITH_DISK_VARIANT: dict[str, type[Ours] | type[Oxigraph]] = {"ours": Ours, "oxigraph": Oxigraph}


def say(line: str) -> None:
    print(line, flush=True)


def start_server(server: Server, start: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"server": server.name, "load_average_at_start": load_average()}
    try:
        start()
    except ServerError as error:
        server.stop()
        return {**record, "skipped": str(error)}
    record.update(
        {
            "start_s": round(server.start_seconds, 3),
            "load_s": round(server.load_seconds, 3) if server.load_seconds is not None else None,
            "ready_s": round(server.ready_seconds, 3),
            "note": server.note,
            "memory_idle": memory(server.pid),
        }
    )
    return record


def _variants(
    name: str, data: Any, args: argparse.Namespace, dirs: dict[str, Any]
) -> list[tuple[str, Server, Any]]:
    """The servers one name in ``--servers`` stands for, with how each is started."""
    found: list[tuple[str, Server, Any]] = []
    if name in WITH_DISK_VARIANT:
        kind = WITH_DISK_VARIANT[name]
        in_memory = kind(name, data, args)
        found.append((name, in_memory, in_memory.start))
        if not args.memory_only:
            folder = dirs[name]
            remove_tree(folder)
            on_disk = kind(f"{name}-disk", data, args)
            found.append((f"{name}-disk", on_disk, lambda: on_disk.start(str(folder))))
    elif name == "rdflib":
        command = rdflib_endpoint_command(args)
        assert command is not None
        peer = RdflibEndpoint("rdflib", data, args, command)
        found.append(("rdflib", peer, peer.start))
    return found


def run_size(label: str, ceiling: Server, args: argparse.Namespace) -> dict[str, Any]:
    data = prepare(label, args.seed)
    say(f"== {data.label}: {data.path.name}")
    texts = concrete(data.anchors)
    ref = reference(data, texts, budget=1.0)
    data.quads = ref.quads
    say(
        f"   reference: {ref.quads} quads loaded in {ref.load_seconds:.2f} s; engine ms "
        + ", ".join(f"{name} {ms:.3g}" for name, ms in ref.engine_ms.items())
    )
    size: dict[str, Any] = {
        "dataset": data.label,
        "file": data.path.name,
        "quads": ref.quads,
        "anchors": data.anchors,
        "engine_ms": ref.engine_ms,
        "rows": {name: answer_size(answer) for name, answer in ref.answers.items()},
        "load_average": {"start": load_average()},
        "servers": {},
    }
    records: dict[str, dict[str, Any]] = {}
    servers: dict[str, Server] = {}
    dirs = {
        "ours": RESULTS / f"store-{data.label}",
        "oxigraph": RESULTS / f"oxigraph-store-{data.label}",
    }
    try:
        # Started one at a time: start and load are timed with the others idle.
        for name in args.servers:
            if name == "rdflib" and args.rdflib_skip:
                records["rdflib"] = {"server": "rdflib", "skipped": args.rdflib_skip}
                continue
            if name == "rdflib" and data.synthetic and data.quads > args.rdflib_max_size:
                records["rdflib"] = {
                    "server": "rdflib",
                    "skipped": f"not run above {args.rdflib_max_size:.0e} quads "
                    "(--rdflib-max-size): its load takes minutes, a scan tens of seconds",
                }
                continue
            for key, server, start in _variants(name, data, args, dirs):
                servers[key] = server
                records[key] = start_server(server, start)
                shown = records[key].get("skipped") or (
                    f"start {records[key]['start_s']} s, load {records[key]['load_s']} s, "
                    f"{records[key]['memory_idle']}"
                )
                say(f"    {key:13} {shown}")
        live = {k: s for k, s in servers.items() if "skipped" not in records[k]}
        measured = measure(live, ceiling, ref, texts, data.label, args, say)
    finally:
        for server in servers.values():
            server.stop()
        for folder in dirs.values():
            remove_tree(folder)
    size["load_average"]["end"] = load_average()
    runs = measured["ceiling"]
    size["ceiling"] = {
        "qps": round(statistics.median(r["qps"] for r in runs), 1),
        "qps_rounds": [round(r["qps"], 1) for r in runs],
        "wrk_busy": round(max(r["wrk_busy"] for r in runs), 3),
        "server_cpu_ms": round(
            sum(r["server_cpu"] for r in runs) * 1000 / max(1, sum(r["answered"] for r in runs)), 4
        ),
    }
    for key, record in records.items():
        if key in measured["results"]:
            record["memory_peak"] = measured["memory_peak"][key]
            record["queries"] = {
                name: reporting.summarise(entry, size["ceiling"]["qps"], args.connections)
                for name, entry in measured["results"][key].items()
            }
    size["servers"] = records
    shares = [
        q["others_share"]
        for record in records.values()
        for q in record.get("queries", {}).values()
        if "others_share" in q
    ]
    size["others_share"] = round(statistics.median(shares), 3) if shares else 0.0
    size["cache"] = measured["cache"]
    size["ratios"] = reporting.ratios(size)
    size["targets"] = reporting.targets(size)
    for pair, per_group in size["ratios"].items():
        say(
            f"   {pair}: "
            + ", ".join(
                f"{group} {found['qps']}×" for group, found in per_group.items() if found["qps"]
            )
        )
    return size


def _version(command: list[str]) -> str:
    try:
        found = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return (found.stdout or found.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _rdflib_endpoint_version(command: str) -> str:
    """Asked of the Python beside the command: it may live in an environment of its own."""
    python = os.path.join(os.path.dirname(command), "python")
    asked = "import importlib.metadata as m; print(m.version('rdflib-endpoint'))"
    return _version([python, "-c", asked]) if os.path.isfile(python) else command


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "meta": {
            **machine(),
            "pyoxigraph": ox.__version__,
            "oxigraph": _version([str(BIN / "oxigraph"), "--version"]),
            "rdflib_endpoint": args.rdflib_version,
            "wrk": _version([args.wrk, "--version"]).split(" Copyright")[0],
            "d4sme_kg": _package_version("d4sme-kg"),
            "args": dict(vars(args)),
            "queries": {
                name: {"what": what, "text": PREFIXES + text} for name, what, text in QUERIES
            }
            | {"ping": {"what": described()["ping"], "text": "ASK {}"}},
        },
        "sizes": [],
    }
    ceiling = Oxigraph("ceiling", None, args)
    try:
        ceiling.start()
        for label in args.sizes:
            report["sizes"].append(run_size(label, ceiling, args))
    finally:
        ceiling.stop()
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/endpoint",
        description="Our SPARQL endpoint against the Oxigraph server and rdflib-endpoint, "
        "loaded by wrk with distinct requests, every answer checked first.",
    )
    parser.add_argument(
        "--sizes",
        default="article,1e5",
        help="comma-separated: article and/or quad counts such as 1e5, 1e6 (default: %(default)s)",
    )
    parser.add_argument(
        "--servers", default=",".join(SERVERS), help="comma-separated subset of %(default)s"
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="leave out the on-disk servers (ours-disk, oxigraph-disk)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 s per query, one round: checks that it runs"
    )
    parser.add_argument("--seconds", type=float, help="wrk seconds per query and round (5)")
    parser.add_argument("--rounds", type=int, help="rounds, servers in turns (2; quick 1)")
    parser.add_argument(
        "--slow-seconds",
        type=float,
        help="most seconds of one wrk run of a slow query (60; quick 10)",
    )
    parser.add_argument("-c", "--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument(
        "--latency-requests", type=int, help="one client: requests per query (100; quick 20)"
    )
    parser.add_argument(
        "--latency-seconds", type=float, help="one client: most seconds per query (3; quick 1)"
    )
    parser.add_argument(
        "--cache-queries",
        default="lookup,aggregate",
        help="queries the repeated-GET (cache) figures are measured on; '' for none",
    )
    parser.add_argument("--workers", type=int, help="ours: worker processes (the CLI's default)")
    parser.add_argument("--threads", type=int, help="ours: threads per worker (the CLI's default)")
    parser.add_argument(
        "--rdflib-endpoint",
        help="the rdflib-endpoint command (default: the one beside this Python, or on PATH)",
    )
    parser.add_argument(
        "--rdflib-max-size",
        type=float,
        default=1e5,
        help="leave rdflib-endpoint out above this many quads (%(default)g)",
    )
    parser.add_argument("--rdflib-load-timeout", type=float, default=600.0)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=42, help="of the synthetic data (42)")
    parser.add_argument("--out", help="base name of the result files in benchmarks/results/")
    parser.add_argument(
        "--strict", action="store_true", help="exit with 3 when a target of issue 14 is missed"
    )
    args = parser.parse_args(argv)
    args.sizes = [label_of(s.strip()) for s in args.sizes.split(",") if s.strip()]
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(args.servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    args.cache_queries = [q.strip() for q in args.cache_queries.split(",") if q.strip()]
    quick = args.quick
    args.seconds = args.seconds or (1.0 if quick else 5.0)
    args.rounds = args.rounds or (1 if quick else 2)
    args.slow_seconds = args.slow_seconds or (10.0 if quick else 60.0)
    args.latency_requests = args.latency_requests or (20 if quick else 100)
    args.latency_seconds = args.latency_seconds or (1.0 if quick else 3.0)
    args.out = args.out or "endpoint-" + "-".join(args.sizes) + ("-quick" if quick else "")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.wrk = find_wrk()
    if args.wrk is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    if not (BIN / "oxigraph").is_file() and "oxigraph" in args.servers:
        print(
            f"no oxigraph command beside {sys.executable}: `{BIN / 'pip'} install oxigraph`",
            file=sys.stderr,
        )
        return 2
    args.rdflib_skip = ""
    args.rdflib_version = "not used"
    if "rdflib" in args.servers:
        command = rdflib_endpoint_command(args)
        if command is None:
            args.rdflib_skip = (
                "rdflib-endpoint not found: install it (`pipx install rdflib-endpoint`, or "
                "pip in an environment of its own) and pass --rdflib-endpoint PATH"
            )
            say(f"note: {args.rdflib_skip}")
        else:
            args.rdflib_version = _rdflib_endpoint_version(command)
    # Stopped by a signal, the run still stops its servers (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.perf_counter()
    before = load_average()
    say(f"load average {before}: figures are distorted above about 0.5")
    report = run(args)
    report["meta"]["load_average_before"] = before
    report["meta"]["total_seconds"] = round(time.perf_counter() - began, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS / f"{args.out}.json"
    md_path = RESULTS / f"{args.out}.md"
    json_path.write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    md_path.write_text(reporting.markdown(report), encoding="utf-8")
    say(f"wrote {json_path} and {md_path} ({report['meta']['total_seconds']} s)")
    failed = any(
        q.get("status") == "FAIL"
        for size in report["sizes"]
        for server in size["servers"].values()
        for q in server.get("queries", {}).values()
    )
    if failed:
        return 1
    missed = any(not t["met"] for size in report["sizes"] for t in size["targets"])
    return 3 if args.strict and missed else 0
