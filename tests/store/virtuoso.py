"""Virtuoso 7 (Debian's virtuoso-opensource) on 127.0.0.1 for the remote-store tests.

Each server gets a temporary folder with its own virtuoso.ini and database, free
ports for SQL and HTTP, and is stopped (and its folder removed) afterwards; the
system service the package installs is never used. Data goes in through isql.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..servers import free_port, wait_until_ready

PACKAGE = "virtuoso-opensource"

#: Only what these tests need; the rest is Virtuoso's defaults. Row and time limits
#: are set per server (ResultSetMaxRows, MaxQueryExecutionTime).
_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


def unavailable() -> str | None:
    """Why Virtuoso cannot run here, or None once ``virtuoso-t`` is installed.

    As root with apt-get (CI), a missing package is installed from Debian first.
    """
    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"{PACKAGE} is not installed, and installing it needs root and apt-get"
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300", PACKAGE]
    done = subprocess.run(install, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=environment, capture_output=True)
        done = subprocess.run(install, env=environment, capture_output=True, text=True)
    if done.returncode != 0 or not shutil.which("virtuoso-t"):
        return f"apt-get install {PACKAGE} failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return None


@dataclass
class Virtuoso:
    """A Virtuoso of its own folder: its SPARQL endpoint, and isql for what HTTP may not do."""

    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self) -> None:
        with open(self.folder / "stderr.log", "ab") as log:
            self.process = subprocess.Popen(
                ["virtuoso-t", "-c", str(self.folder / "virtuoso.ini"), "+foreground"],
                cwd=self.folder,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        wait_until_ready(f"{self.endpoint}?query=ASK%7B%7D", 120)

    def stop(self) -> None:
        """Stop it (Virtuoso writes a checkpoint as it stops)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def isql(self, statements: str) -> str:
        """Run SQL statements as dba; their output (an error fails the test)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed: {output.strip()[-1000:]}")
        return output

    def load(self, data: bytes, graph: str) -> None:
        """Load N-Triples ``data`` into ``graph``."""
        path = self.folder / "load.nt"
        path.write_bytes(data)
        self.isql(f"DB.DBA.TTLP(file_to_string_output('{path}'), '', '{graph}', 0); checkpoint;")
        path.unlink()


@contextmanager
def virtuoso_server(max_rows: int = 10_000, max_seconds: int = 60) -> Iterator[Virtuoso]:
    """A fresh Virtuoso on free loopback ports, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="virtuoso-"))
    server = Virtuoso(folder, free_port(), free_port())
    (folder / "virtuoso.ini").write_text(
        _INI.format(
            folder=folder,
            sql_port=server.sql_port,
            http_port=server.http_port,
            max_rows=max_rows,
            max_seconds=max_seconds,
        )
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
