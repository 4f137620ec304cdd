"""``d4sme-kg serve`` started for a conformance run, on a free port, and how to ask it."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..servers import start_d4sme, stop_group


class Server:
    """``d4sme-kg serve`` in a child process, on a free port."""

    def __init__(self, data: Sequence[Path], token: str | None = None) -> None:
        self.data = list(data)
        self.token = token
        self.process: subprocess.Popen[str] | None = None
        self.log: deque[str] = deque(maxlen=200)
        self._drainer: threading.Thread | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("D4SME_KG_UPDATE_TOKEN", "D4SME_KG_UPDATE_TOKEN_FILE")
        }
        if self.token:
            env["D4SME_KG_UPDATE_TOKEN"] = self.token
        args = ["--no-validate", "--workers", "2", "--timeout", "30"]
        for path in self.data:
            args += ["--data", str(path)]
        self.process = start_d4sme(args, env, self.host)
        assert self.process.stderr is not None
        deadline = time.monotonic() + 120
        for line in self.process.stderr:
            self.log.append(line.rstrip())
            found = re.search(r"serving \d+ triples at http://[^:]+:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                break
            if time.monotonic() > deadline:
                break
        if not self.port:
            self.stop()
            raise RuntimeError("the server did not start:\n" + "\n".join(self.log))
        # Keep reading the access log so that the pipe never fills up.
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line.rstrip())

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, 10)
        if self._drainer is not None:
            self._drainer.join(timeout=5)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/sparql"

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[int, str, bytes]:
        """One HTTP request exactly as given (no default content type is added)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            connection.close()


@contextmanager
def running(data: Sequence[Path], token: str | None = None) -> Iterator[Server]:
    server = Server(data, token)
    server.start()
    try:
        yield server
    finally:
        server.stop()
