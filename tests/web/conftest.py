"""Servers shared by the web tests: a read-only one and one with writes enabled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from d4sme_kg.web import create_app

from ..servers import d4sme_server

TOKEN = "test-token-Ab3"


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Our server on the embedded data, read-only, with a short query time limit."""
    with d4sme_server(["--timeout", "3", "--workers", "2"]) as base:
        yield base


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """The app in-process (Flask's test client), where real HTTP adds nothing."""
    app = create_app({"WORKERS": 1, "VALIDATE": False})
    yield app
    app.extensions["d4sme_kg"].backend.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
