"""Remote stores for the tests: the Oxigraph server (PyPI) and Virtuoso 7 (Debian).

Each holds the project's graphs, as the in-memory store does. Virtuoso is skipped
where it cannot be installed, with the reason, except in CI (``CI=true``), where a
missing Virtuoso fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from d4sme_kg.export import export_graph
from d4sme_kg.formats import find_format
from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.project import CONTENT_PARTS

from ..servers import ServerURL, d4sme_server, http, oxigraph_server
from .virtuoso import Virtuoso, unavailable, virtuoso_server

#: The engines every remote-store test runs against.
ENGINES = ("oxigraph", "virtuoso")


@dataclass
class Remote:
    """A remote SPARQL server holding the project's graphs."""

    engine: str
    endpoint: str
    virtuoso: Virtuoso | None = None

    @property
    def store(self) -> str:
        """The ``--store`` value that serves it."""
        return f"sparql+{self.endpoint}"


def need_virtuoso() -> None:
    """Skip (fail in CI) when Virtuoso cannot run here."""
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the Virtuoso tests: {reason}")
        pytest.skip(reason)


def load_project_graphs(server: Virtuoso, kg: KnowledgeGraph) -> None:
    """Load the project's graphs, then restart, as a store loaded once and then served.

    Virtuoso 7.2.5 answers some queries differently right after a load than after a
    restart (see the README's store section); the service is served by the latter.
    """
    for part in CONTENT_PARTS:
        server.load(export_graph(kg, find_format("nt"), [part]), kg.project.graph_iri(part))
    server.restart()


@pytest.fixture(scope="session")
def oxigraph_remote(kg: KnowledgeGraph) -> Iterator[Remote]:
    with oxigraph_server() as base:
        payload = export_graph(kg, find_format("nquads"))
        reply = http("POST", f"{base}/store", payload, {"Content-Type": "application/n-quads"})
        assert reply.status in (200, 201, 204), reply.text
        yield Remote("oxigraph", f"{base}/query")


@pytest.fixture(scope="session")
def virtuoso_remote(kg: KnowledgeGraph) -> Iterator[Remote]:
    need_virtuoso()
    with virtuoso_server() as server:
        load_project_graphs(server, kg)
        yield Remote("virtuoso", server.endpoint, server)


@pytest.fixture(scope="session", params=ENGINES)
def remote(request: pytest.FixtureRequest) -> Remote:
    """Each remote engine in turn."""
    found: Remote = request.getfixturevalue(f"{request.param}_remote")
    return found


@pytest.fixture(scope="session")
def remote_server(remote: Remote) -> Iterator[ServerURL]:
    """Our server on the remote store."""
    with d4sme_server(["--store", remote.store, "--workers", "1"]) as base:
        yield base


@pytest.fixture(scope="session")
def memory_server() -> Iterator[ServerURL]:
    """Our server on the in-memory store: the answers the remote ones must give."""
    with d4sme_server(["--workers", "1"]) as base:
        yield base
