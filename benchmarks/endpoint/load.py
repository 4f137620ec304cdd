"""Sending requests: wrk for throughput, one Python client for the checks and the
latency of a single client.

wrk (a native load generator, one event loop per thread) runs benchmarks/sparql.lua:
every request of the main figures is a POST whose query ends in a comment that no
other request of the run carries. Its CPU time is read from the kernel when it exits
(wait4), so each figure says how busy the generator itself was.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any
from urllib.parse import quote

from .data import BENCHMARKS, canonical, same
from .procs import call, own_cpu_seconds, system_busy_seconds, tree_cpu_seconds
from .queries import accept_for

WRK_SCRIPT = BENCHMARKS / "sparql.lua"
WRK_MISSING = (
    "wrk (the load generator) is not installed. On Debian or Ubuntu: "
    "`sudo apt-get install wrk`; on macOS: `brew install wrk`; or build it from "
    "https://github.com/wg/wrk (make) and put it on PATH. Then run this again."
)
#: What makes this run's distinct requests distinct from another run's, too.
RUN_TAG = f"{os.getpid():x}{int(time.time()) % 100000:x}"
_runs = itertools.count(1)
_requests = itertools.count(1)


def find_wrk() -> str | None:
    return shutil.which("wrk")


class WrkError(Exception):
    pass


def wrk(
    args: argparse.Namespace,
    url: str,
    script_args: list[str],
    server_pid: int,
    seconds: float,
) -> dict[str, Any]:
    """One wrk run against ``url``; throughput, latency under load, and the CPU the
    server's process tree, wrk and the rest of the machine spent meanwhile."""
    command = [
        args.wrk,
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{max(1, math.ceil(seconds))}s",
        "--timeout",
        f"{max(1, math.ceil(args.request_timeout))}s",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        *script_args,
    ]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cpu_before = tree_cpu_seconds(server_pid)
        busy_before, own_before = system_busy_seconds(), own_cpu_seconds()
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        # wrk stops itself after the duration; a wrk that hangs is ended.
        watchdog = threading.Timer(seconds + args.request_timeout + 30, process.kill)
        watchdog.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - began
        server_cpu = tree_cpu_seconds(server_pid) - cpu_before
        busy = system_busy_seconds() - busy_before
        own = own_cpu_seconds() - own_before
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    found = [line for line in stdout.splitlines() if line.startswith("wrk-json ")]
    if process.returncode != 0 or not found:
        raise WrkError(f"wrk exited with {process.returncode}: {(stderr or stdout).strip()[:300]}")
    result = json.loads(found[-1][len("wrk-json ") :])
    wrk_cpu = usage.ru_utime + usage.ru_stime
    duration = result["duration_us"] / 1e6
    errors = result["errors"]
    answered = result["requests"] - errors["status"]
    cpus = os.cpu_count() or 1
    return {
        "requests": result["requests"],
        "answered": answered,
        "errors": {k: v for k, v in errors.items() if v},
        "statuses": result.get("statuses", {}),
        "seconds": round(duration, 3),
        "qps": answered / duration if duration > 0 else 0.0,
        "load_p50_ms": result["latency_us"]["p50"] / 1000,
        "load_p99_ms": result["latency_us"]["p99"] / 1000,
        "server_cpu": server_cpu,
        "wrk_cpu": wrk_cpu,
        # How much of its threads wrk kept busy: near 1.0 per thread, it is the limit.
        "wrk_busy": wrk_cpu / (wall * args.wrk_threads) if wall > 0 else 0.0,
        "others_share": max(0.0, busy - server_cpu - wrk_cpu - own) / (wall * cpus)
        if wall > 0
        else 0.0,
        "wall": wall,
    }


def distinct_load(
    args: argparse.Namespace, server: Any, query_file: str, form: str, seconds: float
) -> dict[str, Any]:
    """The main figure: POSTs of the query, every one distinct."""
    run = f"{RUN_TAG}.{next(_runs)}"
    return wrk(
        args, server.url(), ["distinct", query_file, accept_for(form), run], server.pid, seconds
    )


def get_path(server: Any, text: str) -> str:
    return f"{server.query_path}?query={quote(text, safe='')}"


def repeated_load(
    args: argparse.Namespace, server: Any, text: str, form: str, etag: str | None
) -> dict[str, Any]:
    """The cache figure: one GET sent again and again (conditional when ``etag``)."""
    url = server.url(get_path(server, text))
    script = ["repeat", accept_for(form)] + ([etag] if etag else [])
    return wrk(args, url, script, server.pid, args.seconds)


# -- the Python client: checks and one client's latency ------------------------------------------


def distinct(text: str) -> bytes:
    return f"{text}\n# n={RUN_TAG}.py.{next(_requests)}\n".encode()


def post_headers(form: str) -> dict[str, str]:
    return {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept_for(form)}


def check_answer(
    server: Any, text: str, form: str, expected: Any, timeout: float
) -> dict[str, Any]:
    """Ask once and compare with the reference: OK, FAIL (a wrong answer) or ERROR."""
    began = time.perf_counter()
    try:
        status, headers, body = call(
            server.port, "POST", server.query_path, distinct(text), post_headers(form), timeout
        )
    except (OSError, http.client.HTTPException) as error:
        return {"status": "ERROR", "detail": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - began
    if status != 200:
        shown = body[:300].decode("utf-8", "replace")
        return {"status": "ERROR", "detail": f"HTTP {status}: {shown}", "check_s": seconds}
    media = headers.get("content-type", "")
    try:
        got = canonical(form, body, media)
    except Exception as error:  # an answer we cannot read is a wrong answer
        return {"status": "FAIL", "detail": f"unreadable {media!r} answer: {error}"}
    ok, detail = same(expected, got)
    return {
        "status": "OK" if ok else "FAIL",
        "detail": detail,
        "check_s": round(seconds, 4),
        "bytes": len(body),
        "media": media.split(";")[0],
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def single_client(
    server: Any, text: str, form: str, count: int, seconds: float, timeout: float
) -> dict[str, Any]:
    """One keep-alive client asking ``count`` distinct requests in a row (at most
    ``seconds``): the latency a lone user sees, the client's own time included."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    headers = post_headers(form)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    try:
        while len(latencies) + errors < count and (not latencies or time.perf_counter() < deadline):
            body = distinct(text)
            began = time.perf_counter()
            try:
                connection.request("POST", server.query_path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
                if errors > 3:
                    break
                continue
            if response.status == 200:
                latencies.append(time.perf_counter() - began)
            else:
                errors += 1
    finally:
        connection.close()
    if not latencies:
        return {"n": 0, "errors": errors}
    return {
        "n": len(latencies),
        "errors": errors,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 3),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
    }
