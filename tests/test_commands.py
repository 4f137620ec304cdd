"""d4sme-kg query, locally and against an endpoint; serve's default worker count."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from click.testing import CliRunner

from d4sme_kg.cli import cli
from d4sme_kg.commands import default_workers

from .conftest import REPO
from .servers import ServerURL, d4sme_server

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


def test_the_default_workers_are_one_per_cpu_and_one_more_when_read_only() -> None:
    cpus = os.cpu_count() or 1
    assert default_workers() == max(2, cpus + 1)
    # With writes on they are evaluator processes behind one web worker.
    assert default_workers(writes=True) == max(2, cpus)


def test_serve_forks_one_worker_per_cpu_and_one_more_by_default() -> None:
    expected = default_workers()
    with d4sme_server(["--no-validate"]) as base:
        assert isinstance(base, ServerURL)
        # The server answers as soon as one worker is up; the others follow within moments.
        deadline = time.monotonic() + 30
        while len(workers := base.workers()) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == expected, workers


def test_granians_advice_against_the_extra_worker_is_not_passed_on(tmp_path: Path) -> None:
    # granian warns, on its stdout, when there are more workers than cores; one more was
    # measured to be faster here (README, Performance), so the advice would mislead.
    workers = str((os.cpu_count() or 1) + 1)
    printed = tmp_path / "stdout"
    with (
        printed.open("w") as sink,
        d4sme_server(["--no-validate", "--workers", workers], stdout=sink),
    ):
        pass
    assert "workers appears to be higher" not in printed.read_text()
