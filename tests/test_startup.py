"""The start of the service: a reopened on-disk store is validated as fresh data is."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from d4sme_kg.settings import Settings
from d4sme_kg.startup import DataDoesNotConform, open_service

from .conftest import REPO
from .servers import d4sme_server, http

KAKAO = ox.NamedNode("https://w3id.org/d4sme-kg/id/kakao")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
KOREAN_LABEL = ox.Quad(
    KAKAO,
    LABEL,
    ox.Literal("카카오", language="ko"),
    ox.NamedNode("https://w3id.org/d4sme-kg/graph/data"),
)
ONTOLOGY = ox.NamedNode("https://w3id.org/d4sme-kg/graph/ontology")


def start(location: Path, validate: bool = True):  # type: ignore[no-untyped-def]
    # As `serve` starts it (inline engine under granian), minus the web server: the
    # store is opened in this process and nothing is forked but the validation.
    settings = Settings(
        root=str(REPO),
        store=str(location),
        workers=1,
        engine="inline",
        server="granian",
        validate=validate,
    )
    return open_service(settings)


@pytest.fixture
def location(tmp_path: Path) -> Path:
    """An on-disk store as a first ``serve --store DIR`` leaves it: loaded and marked."""
    location = tmp_path / "store"
    start(location).backend.close()
    assert (location / "d4sme-kg-store").is_file()
    return location


def change(
    location: Path, remove: list[ox.Quad] | None = None, graph: ox.NamedNode | None = None
) -> None:
    """Change the store behind the server's back, as a crash or a bug could have."""
    store = ox.Store(str(location))
    for quad in remove or []:
        assert quad in store
        store.remove(quad)
    if graph is not None:
        store.remove_graph(graph)
    store.flush()
    # RocksDB's lock goes with the last reference to the store.
    del store
    gc.collect()


def test_a_reopened_store_that_conforms_starts(location: Path) -> None:
    service = start(location)
    try:
        assert service.backend.size() > 5000
        assert "on-disk" in service.backend.description
    finally:
        service.backend.close()


def test_a_reopened_store_that_breaks_the_shapes_does_not_start(location: Path) -> None:
    change(location, remove=[KOREAN_LABEL])
    with pytest.raises(DataDoesNotConform) as caught:
        start(location)
    error = caught.value
    assert error.exit_code == 1
    first, *report = str(error).splitlines()
    assert first == (
        f"the store at {location} does not conform to its SHACL shapes "
        "(start with --no-validate to serve it anyway):"
    )
    assert any(line.startswith("Violation: kg:kakao rdfs:label") for line in report)
    # The escape is the same as for fresh data.
    service = start(location, validate=False)
    service.backend.close()


def test_a_store_without_the_ontology_is_checked_with_the_projects(location: Path) -> None:
    # A store made from --data files holds no ontology graph; as at its first start,
    # the project's ontology joins it (without it, subclasses go unseen: hundreds of
    # violations).
    change(location, graph=ONTOLOGY)
    service = start(location)
    service.backend.close()


def test_serve_refuses_a_broken_store_with_one_line_and_exit_1(location: Path) -> None:
    change(location, remove=[KOREAN_LABEL])
    done = subprocess.run(
        [sys.executable, "-m", "d4sme_kg", "serve", "--port", "0", "--store", str(location)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: the store at {location} does not conform to its SHACL shapes "
        "(start with --no-validate to serve it anyway):"
    ]
    assert "Violation: kg:kakao rdfs:label" in done.stderr


def test_serve_with_no_validate_serves_the_broken_store_as_it_is(location: Path) -> None:
    change(location, remove=[KOREAN_LABEL])
    with d4sme_server(["--store", str(location), "--no-validate", "--workers", "1"]) as base:
        ask = "ASK { <https://w3id.org/d4sme-kg/id/kakao> ?p '카카오'@ko }"
        reply = http("POST", f"{base}/sparql", ask, {"Content-Type": "application/sparql-query"})
        assert reply.status == 200 and reply.json()["boolean"] is False
