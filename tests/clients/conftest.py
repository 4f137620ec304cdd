"""Clients people already use, run as they are against `d4sme-kg serve`.

Comunica's command line comes from npm: ``comunica/package.json`` pins
``@comunica/query-sparql`` and ``comunica/package-lock.json`` everything under it, and
the set-up installs them with ``npm ci`` into ``comunica/node_modules`` (once, and again
only when the lock file changes). Comunica 5 asks for Node 22 through its HTTP client,
undici 8; undici 7 runs on Node 20.18 or later and does the same for Comunica, so the
package pins it by an override.

Without Node or npm, or when ``npm ci`` fails (offline), the Comunica tests are
skipped with the reason; under CI (``CI`` set, as ``.ci/run`` does) they fail instead,
so CI never passes without having run them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from ..servers import d4sme_server

COMUNICA_DIR = Path(__file__).parent / "comunica"
COMUNICA_BIN = COMUNICA_DIR / "node_modules" / ".bin" / "comunica-sparql"
#: Written after a successful ``npm ci``: the digest of the files it installed from.
STAMP = COMUNICA_DIR / "node_modules" / ".d4sme-installed-from"
#: The oldest Node that Comunica runs on with the pinned undici (undici 7's own floor).
MIN_NODE = (20, 18, 1)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it under CI, where it must run."""
    if in_ci():
        pytest.fail(f"CI must run the Comunica tests: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def comunica() -> Path:
    """The ``comunica-sparql`` executable, installed with ``npm ci`` if need be."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("Comunica needs Node.js (20.18 or later) and npm on PATH")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    found = tuple(int(part) for part in version.stdout.strip().lstrip("v").split("."))
    if found < MIN_NODE:
        unavailable(
            f"Comunica needs Node {'.'.join(map(str, MIN_NODE))} or later, "
            f"found {version.stdout.strip()}"
        )
    wanted = _digest()
    # pytest-xdist runs this once per worker: one installs while the other waits.
    lock = Path(tempfile.gettempdir()) / f"d4sme-kg-comunica-{wanted[:16]}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not (COMUNICA_BIN.exists() and _stamp() == wanted):
            _install(npm)
            STAMP.write_text(wanted)
    return COMUNICA_BIN


def _digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((COMUNICA_DIR / name).read_bytes())
    return digest.hexdigest()


def _stamp() -> str | None:
    with contextlib.suppress(OSError):
        return STAMP.read_text()
    return None


def _install(npm: str) -> None:
    command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
    try:
        done = subprocess.run(
            command, cwd=COMUNICA_DIR, capture_output=True, text=True, timeout=600
        )
    except subprocess.TimeoutExpired:
        unavailable("`npm ci` in tests/clients/comunica took more than 10 minutes")
    if done.returncode != 0 or not COMUNICA_BIN.exists():
        unavailable(
            f"`npm ci` in tests/clients/comunica failed ({done.returncode}):\n"
            + (done.stderr or done.stdout)[-3000:]
        )


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Our server on the embedded data, read-only."""
    with d4sme_server(["--workers", "1", "--timeout", "10"]) as base:
        yield base


def run_comunica(binary: Path, sources: list[str], query: str) -> list[dict[str, dict[str, str]]]:
    """Run ``comunica-sparql SOURCES -q QUERY`` and return its SPARQL JSON bindings."""
    done = subprocess.run(
        [str(binary), *sources, "-q", query, "-t", "application/sparql-results+json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"comunica-sparql failed ({done.returncode}):\n{done.stderr}"
    bindings: list[dict[str, dict[str, str]]] = json.loads(done.stdout)["results"]["bindings"]
    return bindings
