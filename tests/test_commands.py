"""d4sme-kg query, locally and against an endpoint."""

from __future__ import annotations

import json

from click.testing import CliRunner

from d4sme_kg.cli import cli

from .conftest import REPO
from .servers import d4sme_server

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?label WHERE { "
    "<https://w3id.org/d4sme-kg/id/kakao> rdfs:label ?label } ORDER BY ?label"
)


def test_query_prints_a_table_by_default(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--root", str(REPO), "query", LABELS])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].strip() == "label"
    assert {lines[2].strip(), lines[3].strip()} == {"Kakao@en", "카카오@ko"}
    assert lines[-1] == "(2 rows)"


def test_query_formats(runner: CliRunner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli, ["--root", str(REPO), "query", LABELS, "-f", "json"])
    assert len(json.loads(result.output)["results"]["bindings"]) == 2
    rq = tmp_path / "kakao.rq"
    rq.write_text("DESCRIBE <https://w3id.org/d4sme-kg/id/kakao>", encoding="utf-8")
    result = runner.invoke(cli, ["--root", str(REPO), "query", str(rq), "-f", "nt"])
    assert result.exit_code == 0 and "<https://w3id.org/d4sme-kg/id/kakao>" in result.output
    bad = runner.invoke(cli, ["--root", str(REPO), "query", LABELS, "-f", "turtle"])
    assert bad.exit_code == 2 and "does not fit a SELECT" in bad.output


def test_query_errors_are_one_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--root", str(REPO), "query", "SELECT * WHERE {"])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "Traceback" not in result.output
    result = runner.invoke(cli, ["--root", str(REPO), "query", "no-such-query"])
    assert result.exit_code == 2 and "neither a named query" in result.output


def test_query_against_an_endpoint(runner: CliRunner) -> None:
    with d4sme_server() as base:
        result = runner.invoke(cli, ["query", LABELS, "--endpoint", f"{base}/sparql", "-f", "csv"])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[:3] == ["label", "Kakao", "카카오"]
