"""The ``w3c`` marker: the W3C SPARQL 1.1 conformance tests (need the rdf-tests folder)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "w3c: W3C SPARQL 1.1 conformance (needs ../shared/w3c/rdf-tests or $D4SME_KG_W3C_TESTS)",
    )
