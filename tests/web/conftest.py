"""Servers shared by the web tests: a read-only one and one with writes enabled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..servers import d4sme_server

TOKEN = "test-token-Ab3"


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Our server on the embedded data, read-only, with a short query time limit."""
    with d4sme_server(["--timeout", "3", "--workers", "2"]) as base:
        yield base
