"""Real servers on 127.0.0.1 for the tests: ours (d4sme-kg serve) and Oxigraph's."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

_URL = re.compile(r"at (http://[^/\s]+)/")


class ServerURL(str):
    """The base URL of a running server, which also knows the server's main process."""

    pid: int
    #: What the server has written to stderr so far, line by line.
    log: list[str]

    def workers(self) -> set[int]:
        """The processes the main process has forked (its web workers), from /proc."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                # The command name may hold spaces: the fields after its ")" are plain.
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.pid:
                    children.add(int(stat.parent.name))
        return children


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout} s")
        time.sleep(0.1)


def start_d4sme(
    args: Sequence[str], env: dict[str, str], host: str = "127.0.0.1", stdout: IO[str] | None = None
) -> subprocess.Popen[str]:
    """Start ``d4sme-kg serve --host HOST --port 0 ARGS`` with ``env`` as its whole
    environment. Its stderr is a text pipe, where it says the URL of the port it took;
    its stdout (where granian writes) goes to ``stdout``, by default nowhere."""
    return subprocess.Popen(
        [sys.executable, "-m", "d4sme_kg", "serve", "--host", host, "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Its own process group: stopping it stops its workers and evaluators too.
        start_new_session=True,
    )


def stop_group(process: subprocess.Popen[str], grace: float) -> None:
    """Stop a server started by :func:`start_d4sme`: SIGTERM, SIGKILL after ``grace``
    seconds, then SIGKILL to what of its group outlived it (nothing should; whatever
    did would hold the log pipe open)."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def d4sme_server(
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 90.0,
    stdout: IO[str] | None = None,
) -> Iterator[ServerURL]:
    """Run ``d4sme-kg serve --port 0 ARGS``; yield its base URL (no trailing slash).
    ``stdout``: where its stdout goes (start_d4sme)."""
    process = start_d4sme(args, {**os.environ, **(env or {})}, stdout=stdout)
    lines: list[str] = []
    drainer: threading.Thread | None = None
    try:
        base = ServerURL(_read_url(process, lines, timeout))
        base.pid = process.pid
        base.log = lines
        # Keep draining the log so that the server never blocks on a full pipe.
        drainer = threading.Thread(target=_drain, args=(process, lines), daemon=True)
        drainer.start()
        wait_until_ready(base + "/healthz", timeout)
        yield base
    finally:
        stop_group(process, 20)
        # What the server wrote as it stopped is read to the end of the pipe, then kept.
        if drainer is not None:
            drainer.join(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def _drain(process: subprocess.Popen[str], lines: list[str]) -> None:
    try:
        for line in process.stderr or []:
            lines.append(line)
    except (ValueError, OSError):  # the pipe was closed when the server stopped
        return


def _read_url(process: subprocess.Popen[str], lines: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            if process.poll() is not None:
                raise RuntimeError("server exited:\n" + "".join(lines))
            continue
        lines.append(line)
        match = _URL.search(line)
        if match:
            return match.group(1)
    raise RuntimeError("server printed no URL:\n" + "".join(lines))


@contextmanager
def oxigraph_server(location: Path | None = None) -> Iterator[str]:
    """The ``oxigraph`` server from PyPI on a free port; yields its base URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/query?query=ASK%7B%7D", 30)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def loopback_http(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` (a request handler class, or a partial of one) on a free
    loopback port, in a thread; yield its base URL."""
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            thread.join(timeout=5)


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()


class Reply:
    """An HTTP answer: status, headers (case-insensitive) and body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()

    def json(self) -> dict:  # type: ignore[type-arg]
        import json

        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def http(
    method: str,
    url: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """One HTTP request with the standard library; errors are answers, not exceptions."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def http_chunked(
    method: str, url: str, body: bytes, headers: dict[str, str], timeout: float = 30.0
) -> Reply:
    """One request whose body is sent chunked (no Content-Length), in 100-byte pieces.

    A server may answer before it has read the whole body (413 once past its limit) and
    close the connection: sending then fails with a broken pipe or a reset, and the
    answer it sent is read all the same.
    """
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    try:
        pieces = (body[start : start + 100] for start in range(0, len(body), 100))
        # http.client counts the request as sent once the headers are (the state
        # getresponse needs), so a failure in the body leaves the answer readable; and
        # Linux hands over what arrived before a reset before it reports the reset.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(method, path, body=pieces, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()
