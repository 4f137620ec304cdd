"""The application factory: settings precedence, nothing heavy at import, `flask run`."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest

from d4sme_kg.service import Settings


def test_importing_the_web_layer_loads_nothing_heavy() -> None:
    code = (
        "import sys, d4sme_kg.web, d4sme_kg.cli; "
        "print(sorted(m for m in ('pyshacl', 'owlrl', 'SPARQLWrapper') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_settings_come_from_the_mapping_with_defaults() -> None:
    settings = Settings.from_mapping(
        {"TIMEOUT": 2.5, "FEDERATE": ["http://x/sparql"], "UNRELATED": 1}
    )
    assert settings.timeout == 2.5
    assert settings.federate == ["http://x/sparql"]
    assert settings.store == "memory" and settings.validate is True


def test_token_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    token = tmp_path / "token"
    token.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.delenv("D4SME_KG_UPDATE_TOKEN", raising=False)
    monkeypatch.setenv("D4SME_KG_UPDATE_TOKEN_FILE", str(token))
    assert Settings.from_mapping({}).update_token == "s3cret"


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
