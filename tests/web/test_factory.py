"""The application factory: settings precedence, nothing heavy at import, `flask run`."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest


def test_importing_the_web_layer_loads_nothing_heavy() -> None:
    code = (
        "import sys, d4sme_kg.web, d4sme_kg.cli; "
        "print(sorted(m for m in ('pyshacl', 'owlrl', 'SPARQLWrapper') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_flask_run_finds_the_factory() -> None:
    env = {**os.environ, "D4SME_KG_VALIDATE": "false", "D4SME_KG_WORKERS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "d4sme_kg.web", "routes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "/sparql" in done.stdout and "/healthz" in done.stdout


def test_one_log_line_per_request(client, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO, logger="d4sme_kg.access"):
        client.get("/sparql", query_string={"query": "ASK {}"})
        client.get("/id/카카오-없음")
    lines = [r.getMessage() for r in caplog.records if r.name == "d4sme_kg.access"]
    assert len(lines) == 2
    assert re.fullmatch(r"GET /sparql 200 \d+\.\dms", lines[0])
    assert re.fullmatch(r"GET /id/카카오-없음 404 \d+\.\dms", lines[1])
