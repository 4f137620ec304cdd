"""The servers under test, each started in a process group of its own on 127.0.0.1.

- ``ours``: ``d4sme-kg serve`` (``--store memory``; ``ours-disk``: an on-disk store);
- ``oxigraph``: ``oxigraph serve`` in memory, filled by POSTing the N-Quads to
  ``/store``; ``oxigraph-disk``: ``oxigraph load`` into a fresh directory, then
  ``oxigraph serve-read-only`` on it (read-only, as ours-disk is);
- ``rdflib``: ``rdflib-endpoint serve FILE`` (rdflib, uvicorn: the Python peer);
- ``ceiling``: ``oxigraph serve`` with nothing in it, answering ``ASK {}``: the trivial
  server the load generator's own ceiling is measured against.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from .data import BIN, RESULTS, DataSet
from .procs import call, free_port


class ServerError(Exception):
    pass


class Server:
    """One server process (group); subclasses know how to start and fill it."""

    query_path = "/sparql"

    def __init__(self, name: str, label: str, args: argparse.Namespace) -> None:
        self.name = name
        self.label = label  # the data set's, for the log's name
        self.args = args
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.start_seconds = 0.0  # process start -> ready (healthz) or first answered query
        self.load_seconds: float | None = None  # loading the data, when it can be told apart
        self.ready_seconds = 0.0  # process start -> serving the data
        self.note = ""
        self.extra: dict[str, Any] = {}
        self.log: TextIO | None = None

    def spawn(
        self, command: list[str], env: dict[str, str] | None = None, stdout: Any = None
    ) -> float:
        self.port = self.port or free_port()
        log = self.open_log()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [part.replace("{port}", str(self.port)) for part in command],
            stdout=stdout if stdout is not None else log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=str(RESULTS),
        )
        return started

    def open_log(self) -> TextIO:
        if self.log is None:
            (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
            # Kept open for the server's whole life; closed in stop().
            self.log = open(  # noqa: SIM115
                RESULTS / "logs" / f"{self.name}-{self.label}.log", "w", encoding="utf-8"
            )
        return self.log

    def wait_until(self, started: float, probe: Any, limit: float) -> float:
        deadline = started + limit
        while time.perf_counter() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServerError(
                    f"{self.name} exited with code {self.process.returncode} "
                    f"(see results/logs/{self.name}-{self.label}.log)"
                )
            with contextlib.suppress(OSError):
                if probe():
                    return time.perf_counter() - started
            time.sleep(0.02)
        raise ServerError(f"{self.name} was not ready after {limit:.0f} s")

    def first_query(self) -> bool:
        status, _headers, _body = call(
            self.port,
            "POST",
            self.query_path,
            b"ASK {}",
            {
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=5,
        )
        return status == 200

    def stop(self) -> None:
        """End the whole process group (our server's workers and evaluators too)."""
        if self.process is not None:
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.log is not None:
            self.log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def url(self, path: str | None = None) -> str:
        return f"http://127.0.0.1:{self.port}{self.query_path if path is None else path}"


class Ours(Server):
    def __init__(self, name: str, data: DataSet, args: argparse.Namespace) -> None:
        super().__init__(name, data.label, args)
        self.data = data

    def start(self, store: str = "memory") -> None:
        command = [
            str(BIN / "d4sme-kg"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--store",
            store,
            "--timeout",
            str(self.args.request_timeout),
        ]
        # The CLI's own defaults unless asked otherwise: they are what a user gets.
        if self.args.workers is not None:
            command += ["--workers", str(self.args.workers)]
        if self.args.threads is not None:
            command += ["--threads", str(self.args.threads)]
        if self.data.synthetic:
            # Synthetic data does not follow the shapes (no ontology, made-up text).
            command += ["--data", str(self.data.path), "--no-validate"]
        started = self.spawn(command)

        def healthy() -> bool:
            status, _headers, body = call(self.port, "GET", "/healthz", timeout=5)
            if status == 200:
                self.extra["healthz"] = json.loads(body)
                return True
            return False

        self.start_seconds = self.wait_until(started, healthy, self.args.start_timeout)
        self.ready_seconds = self.start_seconds
        self.load_seconds = self.extra["healthz"].get("startSeconds")
        self.note = (
            ("on disk; " if store != "memory" else "in memory; ")
            + "load = the service's own startSeconds (load"
            + (" + SHACL validation" if not self.data.synthetic else "")
            + ")"
        )


class Oxigraph(Server):
    query_path = "/query"

    def __init__(self, name: str, data: DataSet | None, args: argparse.Namespace) -> None:
        super().__init__(name, data.label if data else "empty", args)
        self.data = data

    def start(self, location: str | None = None) -> None:
        if location is not None:
            self.start_on_disk(location)
            return
        started = self.spawn(
            [str(BIN / "oxigraph"), "serve", "--bind", "127.0.0.1:{port}", "--union-default-graph"]
        )
        self.start_seconds = self.wait_until(started, self.first_query, self.args.start_timeout)
        if self.data is None:
            self.ready_seconds = self.start_seconds
            self.note = "in memory, empty"
            return
        before = time.perf_counter()
        fill_oxigraph(self.port, self.data.path, self.args.start_timeout)
        self.load_seconds = time.perf_counter() - before
        self.ready_seconds = time.perf_counter() - started
        self.note = "in memory; load = POST /store of the N-Quads"

    def start_on_disk(self, location: str) -> None:
        """Bulk-load a fresh directory with ``oxigraph load``, then serve it read-only."""
        assert self.data is not None
        log = self.open_log()
        before = time.perf_counter()
        command = [
            str(BIN / "oxigraph"),
            "load",
            "--location",
            location,
            "--file",
            str(self.data.path),
            "--format",
            "application/n-quads",
        ]
        try:
            loaded = subprocess.run(
                command,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=str(RESULTS),
                timeout=self.args.start_timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise ServerError(
                f"oxigraph load did not finish in {self.args.start_timeout:.0f} s"
            ) from error
        if loaded.returncode != 0:
            raise ServerError(
                f"oxigraph load exited with code {loaded.returncode} "
                f"(see results/logs/{self.name}-{self.label}.log)"
            )
        self.load_seconds = time.perf_counter() - before
        started = self.spawn(
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                location,
                "--bind",
                "127.0.0.1:{port}",
                "--union-default-graph",
            ]
        )
        self.start_seconds = self.wait_until(started, self.first_query, self.args.start_timeout)
        self.ready_seconds = time.perf_counter() - before
        self.note = (
            "on disk, read-only; load = `oxigraph load` of the N-Quads into a fresh "
            "directory (before the server starts); ready = load + start"
        )


def fill_oxigraph(port: int, nquads: Path, timeout: float) -> None:
    """An Oxigraph server's store given the N-Quads file ``nquads`` (POST /store)."""
    status, _headers, body = call(
        port,
        "POST",
        "/store",
        nquads.read_bytes(),
        {"Content-Type": "application/n-quads"},
        timeout=timeout,
    )
    if status not in (200, 201, 204):
        raise ServerError(f"oxigraph /store answered {status}: {body[:200]!r}")


def rdflib_endpoint_command(args: argparse.Namespace) -> str | None:
    """The ``rdflib-endpoint`` command: ``--rdflib-endpoint``, next to this Python, or on
    PATH (it may live in an environment of its own: its dependencies are not ours)."""
    if args.rdflib_endpoint:
        return str(args.rdflib_endpoint)
    beside = BIN / "rdflib-endpoint"
    if beside.is_file():
        return str(beside)
    return shutil.which("rdflib-endpoint")


class RdflibEndpoint(Server):
    query_path = "/"

    def __init__(self, name: str, data: DataSet, args: argparse.Namespace, command: str) -> None:
        super().__init__(name, data.label, args)
        self.data = data
        self.command = command

    def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        started = self.spawn(
            [
                self.command,
                "serve",
                str(self.data.path),
                "--host",
                "127.0.0.1",
                "--port",
                "{port}",
            ],
            env=env,
            stdout=subprocess.PIPE,
        )
        loaded: dict[str, float] = {}
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        log = self.log

        def read() -> None:
            for raw in stream:
                line = raw.decode("utf-8", "replace")
                if "Loaded triples" in line and "at" not in loaded:
                    loaded["at"] = time.perf_counter()
                if log is not None and not log.closed:
                    log.write(line)

        threading.Thread(target=read, daemon=True).start()
        self.start_seconds = self.wait_until(
            started, self.first_query, self.args.rdflib_load_timeout
        )
        self.ready_seconds = self.start_seconds
        if "at" in loaded:
            self.load_seconds = loaded["at"] - started
        self.note = "load = process start -> 'Loaded triples' (includes imports and parsing)"


def remove_tree(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
