"""One size: check every answer, time one client, then load every server with wrk in
turns, round after round, next to the generator's ceiling; then the cache figures."""

from __future__ import annotations

import argparse
from typing import Any

from .data import RESULTS, Reference
from .load import (
    check_answer,
    distinct_load,
    get_path,
    post_headers,
    repeated_load,
    single_client,
)
from .procs import MemorySampler, call, settle
from .queries import PING, form_of
from .servers import Server

#: Servers whose answers to a repeated GET are measured (rdflib-endpoint is left out:
#: its figures are far from the question, whether a cache pays).
CACHE_SERVERS = ("ours", "ours-disk", "oxigraph", "oxigraph-disk")


def duration_for(args: argparse.Namespace, one_request_s: float | None) -> float:
    """Seconds of one wrk run: ``--seconds``, longer for a query so slow that every
    connection would otherwise see only a request or two (at most ``--slow-seconds``)."""
    if not one_request_s:
        return float(args.seconds)
    return float(max(args.seconds, min(args.slow_seconds, 3 * args.connections * one_request_s)))


def measure(
    servers: dict[str, Server],
    ceiling: Server,
    ref: Reference,
    texts: dict[str, str],
    label: str,
    args: argparse.Namespace,
    say: Any,
) -> dict[str, Any]:
    """Everything measured at one size: per server and query, and the ceiling's rounds."""
    samplers = {key: MemorySampler(server.pid) for key, server in servers.items()}
    forms = {name: form_of(text) for name, text in texts.items()}
    files: dict[str, str] = {}
    folder = RESULTS / "queries"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        path = folder / f"{label}-{name}.rq"
        path.write_text(text, encoding="utf-8")
        files[name] = str(path)

    results: dict[str, dict[str, Any]] = {key: {} for key in servers}
    for key, server in servers.items():
        for name, text in texts.items():
            entry = check_answer(server, text, forms[name], ref.answers[name], args.request_timeout)
            if entry["status"] == "OK":
                entry["one_client"] = single_client(
                    server,
                    text,
                    forms[name],
                    args.latency_requests,
                    args.latency_seconds,
                    args.request_timeout,
                )
            entry["runs"] = []
            results[key][name] = entry
            if entry["status"] != "OK":
                say(f"    {key:13} {name:14} {entry['status']}: {entry['detail'][:120]}")

    ceiling_runs: list[dict[str, Any]] = []
    order = list(servers)
    for round_index in range(args.rounds):
        # The generator's ceiling, measured in every round, as the servers are.
        ceiling_runs.append(distinct_load(args, ceiling, files[PING[0]], "ASK", args.seconds))
        say(
            f"   round {round_index + 1}: ceiling {ceiling_runs[-1]['qps']:.0f} qps "
            f"(wrk busy {ceiling_runs[-1]['wrk_busy']:.0%})"
        )
        # The servers take turns query by query, in an order that alternates by round, so
        # that whatever else the machine does disturbs them alike.
        turn = order if round_index % 2 == 0 else order[::-1]
        for name in texts:
            for key in turn:
                entry = results[key][name]
                if entry["status"] != "OK":
                    continue
                one = entry["one_client"]
                one_s = one.get("p50_ms", 0) / 1000 if one.get("n") else None
                seconds = duration_for(args, one_s)
                run = distinct_load(args, servers[key], files[name], forms[name], seconds)
                run["settled_s"] = round(settle(servers[key].pid, args.request_timeout), 2)
                entry["runs"].append(run)
                say(
                    f"    {key:13} {name:14} {run['qps']:9.1f} qps  "
                    f"cpu/req {run['server_cpu'] * 1000 / max(1, run['answered']):7.3f} ms  "
                    f"wrk {run['wrk_busy']:4.0%}  others {run['others_share']:4.0%}"
                    + (f"  errors {run['errors']}" if run["errors"] else "")
                )

    cache: dict[str, dict[str, Any]] = {}
    if args.cache_queries:
        for key in [k for k in CACHE_SERVERS if k in servers]:
            cache[key] = {}
            for name in args.cache_queries:
                if results[key].get(name, {}).get("status") == "OK":
                    cache[key][name] = cache_figures(args, servers[key], texts[name], forms[name])
                    say(f"    cache {key:13} {name:10} {_cache_line(cache[key][name])}")
    memory = {key: sampler.stop() for key, sampler in samplers.items()}
    return {"results": results, "ceiling": ceiling_runs, "cache": cache, "memory_peak": memory}


def cache_figures(args: argparse.Namespace, server: Server, text: str, form: str) -> dict[str, Any]:
    """A repeated GET of one query: plain (every one evaluated unless something caches
    it) and, when the server sent an ETag, conditional (every one answered 304)."""
    headers = {"Accept": post_headers(form)["Accept"]}
    status, first, _body = call(server.port, "GET", get_path(server, text), None, headers)
    found: dict[str, Any] = {
        "get_status": status,
        "etag": first.get("etag"),
        "cache_control": first.get("cache-control"),
        "vary": first.get("vary"),
    }
    if status != 200:
        return found
    found["identical"] = repeated_load(args, server, text, form, None)
    settle(server.pid, args.request_timeout)
    etag = first.get("etag")
    if etag:
        again, _headers, _body = call(
            server.port,
            "GET",
            get_path(server, text),
            None,
            {**headers, "If-None-Match": etag},
        )
        found["conditional_status"] = again
        if again == 304:
            found["revalidated"] = repeated_load(args, server, text, form, etag)
            settle(server.pid, args.request_timeout)
    return found


def _cache_line(found: dict[str, Any]) -> str:
    parts = []
    for kind in ("identical", "revalidated"):
        if kind in found:
            parts.append(f"{kind} {found[kind]['qps']:.0f} qps {found[kind]['statuses']}")
    if not found.get("etag"):
        parts.append("no ETag")
    return "; ".join(parts) or f"GET answered {found['get_status']}"
