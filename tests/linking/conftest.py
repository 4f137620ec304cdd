"""A real SPARQL server (Oxigraph from PyPI) holding the Wikidata-shaped fixture."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..servers import http, oxigraph_server

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "wikidata"


@pytest.fixture(scope="session")
def wikidata() -> Iterator[str]:
    """The query URL of a local endpoint loaded with tests/fixtures/wikidata/items.ttl."""
    with oxigraph_server() as base:
        reply = http(
            "POST",
            base + "/store?default",
            (FIXTURE / "items.ttl").read_bytes(),
            {"Content-Type": "text/turtle"},
        )
        assert reply.status in (200, 201, 204), reply.text
        yield base + "/query"


@pytest.fixture
def fresh_project(project_copy: Callable[[], Path]) -> Path:
    """A project copy whose Wikidata links file is gone: the linker starts from nothing."""
    root = project_copy()
    (root / "data" / "links" / "wikidata.ttl").unlink()
    return root


@pytest.fixture
def clean_cache(tmp_path: Path) -> Iterator[Path]:
    cache = tmp_path / "cache"
    yield cache
    shutil.rmtree(cache, ignore_errors=True)
