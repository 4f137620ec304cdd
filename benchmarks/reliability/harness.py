"""The servers under test and what every section reports.

Each section starts its own ``d4sme-kg serve`` (a fresh process group on a free loopback
port), so that what one section does to a server (a worker killed, a body stalled)
cannot decide what the next one sees. The log goes to a file, not a pipe: a pipe
nobody drains would block the server, and the file is still there to quote when a
check fails. It takes stdout too, where granian logs a worker that died ("Unexpected
exit from worker-N"): a crash after its answer was sent shows only there.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The bearer token of every writes-mode server of a run (made up per run).
TOKEN = "reliability-" + secrets.token_hex(8)
#: /proc counts resident memory in pages of this many bytes.
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Options:
    """What every section is told: the short version or the full one, and the seed."""

    quick: bool = False
    seed: int = 1

    def pick(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Check:
    """One row of the table: what was done, what was counted, and whether it held."""

    section: str
    what: str
    counts: str
    ok: bool
    #: Why it failed (inputs, answers, the server's log), at most a few items.
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0


def failing(problems: Iterable[str], keep: int = 5) -> list[str]:
    """The first ``keep`` problems, and how many more there were."""
    items = list(problems)
    shown = items[:keep]
    if len(items) > keep:
        shown.append(f"… and {len(items) - keep} more")
    return shown


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``d4sme-kg serve`` in a process group of its own; restartable on the same store."""

    def __init__(
        self,
        args: Sequence[str] = (),
        writes: bool = False,
        env: dict[str, str] | None = None,
        validate: bool = False,
    ) -> None:
        self.args = list(args) + ([] if validate else ["--no-validate"])
        self.env = {**os.environ, **(env or {})}
        if writes:
            self.env["D4SME_KG_UPDATE_TOKEN"] = TOKEN
        else:
            self.env.pop("D4SME_KG_UPDATE_TOKEN", None)
        self.writes = writes
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="d4sme-reliability-", suffix=".log")  # noqa: SIM115

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, seconds: float = 90.0) -> Server:
        # A free port can be taken between the look-up and the bind: then try another.
        for _ in range(3):
            self.port = free_port()
            command = [sys.executable, "-m", "d4sme_kg", "serve", "--host", "127.0.0.1"]
            command += ["--port", str(self.port), *self.args]
            self._log.write(f"$ {' '.join(command)}\n".encode())
            self._log.flush()
            self.process = subprocess.Popen(
                command,
                stdout=self._log,
                stderr=self._log,
                env=self.env,
                # Its own group: a kill -9 of the group takes the workers and evaluators.
                start_new_session=True,
            )
            if self._wait_ready(seconds):
                return self
            if "in use" not in self.log_tail(5):
                break
        raise RuntimeError(f"the server did not start:\n{self.log_tail(30)}")

    def _wait_ready(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            if self.health() == 200:
                return True
            time.sleep(0.1)
        return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def health(self, timeout: float = 5.0) -> int | None:
        """The status of GET /healthz, or None when no answer came."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def children(self, pid: int | None = None) -> list[int]:
        """The processes whose parent is ``pid`` (the main process by default)."""
        parent = self.pid if pid is None else pid
        return [child for child, ppid in _parents().items() if ppid == parent]

    def tree(self) -> list[int]:
        """The main process and every process below it."""
        parents = _parents()
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [child for child, ppid in parents.items() if ppid in frontier]
            found += frontier
        return found

    def rss(self) -> int:
        """Resident memory of the whole tree, in bytes (pages shared after fork count once
        per process: an overstatement, but the same one from sample to sample)."""
        total = 0
        for pid in self.tree():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        return total

    def kill(self) -> None:
        """kill -9 of the whole group, as a power cut would stop it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._reap()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reap()

    def _reap(self) -> None:
        # Whatever of the group outlived its main process (nothing should) goes too.
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 20) -> str:
        with open(self._log.name, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])

    def worker_deaths(self) -> list[str]:
        """granian's lines for web workers that died without being asked to stop."""
        with open(self._log.name, encoding="utf-8", errors="replace") as handle:
            return [line.strip() for line in handle if "Unexpected exit from worker" in line]

    def notes(self, lines: int = 5) -> str:
        """The last of what the server logged besides one line per request."""
        with open(self._log.name, encoding="utf-8", errors="replace") as handle:
            kept = [line.rstrip()[:300] for line in handle if "d4sme_kg.access" not in line]
        return "server log, requests left out: " + " | ".join(kept[-lines:])

    def close(self) -> None:
        self.stop()
        self._log.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces and brackets: the fields after its ")" do not.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    return parents


def alive_and_healthy(server: Server, deaths: bool = True) -> tuple[bool, str]:
    """The end-of-section check: the main process is there, /healthz answers 200, and
    (unless ``deaths`` is False: the section killed some itself) no web worker died."""
    status = server.health(timeout=10)
    died = server.worker_deaths() if deaths else []
    if server.alive() and status == 200 and not died:
        return True, ""
    return False, (
        f"server {'alive' if server.alive() else 'exited'}, /healthz {status}, "
        f"{len(died)} web workers died ({'; '.join(died[:3])}); log:\n" + server.log_tail(15)
    )
