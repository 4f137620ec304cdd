"""Processes seen from /proc: a server's process tree, its CPU time and memory; the
machine's busy time and load, and what it is; a free port and a one-off HTTP call."""

from __future__ import annotations

import http.client
import os
import platform
import socket
import threading
import time

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: status, headers (lower-case names), body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        found = {name.lower(): value for name, value in response.getheaders()}
        return response.status, found, response.read()
    finally:
        connection.close()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            # The command name, in brackets, may hold spaces: split after it.
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None:
                tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it (our server's workers and evaluators)."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process tree (the live processes of it).

    Counted from each process's own utime and stime: a worker that died during the
    measurement takes its time with it (none should; the count is then low).
    """
    total = 0
    for member in process_tree(pid):
        fields = _stat_fields(member)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def system_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all processes), from /proc/stat."""
    with open("/proc/stat", encoding="utf-8") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS


def own_cpu_seconds() -> float:
    """CPU time of this process (every thread of it)."""
    times = os.times()
    return times.user + times.system


def load_average() -> float:
    with open("/proc/loadavg", encoding="utf-8") as handle:
        return float(handle.read().split()[0])


def machine() -> dict[str, object]:
    """When and on what a benchmark ran: the head of every report's "meta"."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def settle(pid: int, limit: float) -> float:
    """Wait until the tree at ``pid`` is idle (under 5 % of a CPU over 0.2 s), at most
    ``limit`` seconds; the seconds waited.

    A load generator that stops leaves requests in flight; a server that keeps
    evaluating them would take CPU from the next server's turn.
    """
    began = time.monotonic()
    before = tree_cpu_seconds(pid)
    while time.monotonic() - began < limit:
        time.sleep(0.2)
        now = tree_cpu_seconds(pid)
        if now - before < 0.01:
            break
        before = now
    return time.monotonic() - began


def _kb(path: str, field_name: str) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory(pid: int) -> dict[str, float]:
    """RSS summed over the tree (counts shared pages once per process) and PSS (shared split)."""
    pids = process_tree(pid)
    rss = sum(_kb(f"/proc/{p}/status", "VmRSS") for p in pids)
    pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids)
    return {"processes": len(pids), "rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1)}


class MemorySampler:
    """Samples the tree's memory twice a second; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = {"rss_mb": 0.0, "pss_mb": 0.0, "processes": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            now = memory(self.pid)
            for key in self.peak:
                self.peak[key] = max(self.peak[key], now[key])

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak
