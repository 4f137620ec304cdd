import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from d4sme_kg.cli import cli
from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.namespaces import SH

from .conftest import REPO


def test_validate_conforms_with_exit_0(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--root", str(REPO), "validate"])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output.splitlines()[-1]


def test_validate_json_and_turtle_reports(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--root", str(REPO), "validate", "-f", "json"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["conforms"] is True
    result = runner.invoke(cli, ["--root", str(REPO), "validate", "-f", "turtle"])
    assert result.exit_code == 0
    report = Graph().parse(data=result.output, format="turtle")
    [node] = report.subjects(RDF.type, SH.ValidationReport)
    assert report.value(node, SH.conforms) == Literal(True)

    def text(term: object) -> str | None:
        return None if term is None else str(term)

    # The Turtle report holds the results of the JSON one.
    in_turtle = {
        (
            text(report.value(r, SH.focusNode)),
            text(report.value(r, SH.resultPath)),
            str(report.value(r, SH.resultSeverity)).removeprefix(str(SH)),
        )
        for r in report.objects(node, SH.result)
    }
    in_json = {(r["focusNode"], r["resultPath"], r["severity"]) for r in document["results"]}
    assert in_turtle == in_json


def test_validate_reports_a_broken_fact_in_plain_words(
    runner: CliRunner, project_copy: Callable[[], Path]
) -> None:
    root = project_copy()
    people = root / "data" / "people.ttl"
    text = people.read_text(encoding="utf-8")
    # Remove Park Young-sun's English label: a must-have.
    assert '"Park Young-sun"@en' in text
    people.write_text(text.replace('"Park Young-sun"@en', '"박영선 (2)"@ko'), encoding="utf-8")
    result = runner.invoke(cli, ["--root", str(root), "validate"])
    assert result.exit_code == 1, result.output
    offending = [line for line in result.output.splitlines() if "kg:park-young-sun" in line]
    assert offending and offending[0].startswith("Violation: kg:park-young-sun rdfs:label")
    korean = runner.invoke(cli, ["--root", str(root), "validate", "--lang", "ko"])
    assert any(
        "kg:park-young-sun" in line and any("\uac00" <= ch <= "\ud7a3" for ch in line)
        for line in korean.output.splitlines()
    )


def test_broken_turtle_is_one_line_and_exit_2(
    runner: CliRunner, project_copy: Callable[[], Path]
) -> None:
    root = project_copy()
    (root / "data" / "broken.ttl").write_text(
        "@prefix kg: <http://x/> .\nkg:a kg:b .\n", encoding="utf-8"
    )
    for command in (["validate"], ["export"], ["stats"]):
        result = runner.invoke(cli, ["--root", str(root), *command])
        assert result.exit_code == 2, (command, result.output)
        assert result.output.strip().startswith("error: data/broken.ttl:2: ")
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_missing_folder_and_unknown_format_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["--root", str(tmp_path / "none"), "stats"])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(cli, ["--root", str(REPO), "export", "-f", "yaml"])
    assert result.exit_code == 2 and "unknown format 'yaml'" in result.output


def test_export_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    result = runner.invoke(cli, ["--root", str(REPO), "export", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert len(Graph().parse(target, format="turtle")) > 3000


def test_stats_counts_parts_classes_and_languages(runner: CliRunner, kg: KnowledgeGraph) -> None:
    result = runner.invoke(cli, ["--root", str(REPO), "stats", "-f", "json"])
    stats = json.loads(result.output)
    assert stats["triples_per_graph"]["total"] == sum(
        v for k, v in stats["triples_per_graph"].items() if k != "total"
    )
    session = URIRef("https://w3id.org/d4sme-kg/ontology#Session")
    sessions = set(kg.union().subjects(RDF.type, session))
    assert sessions and stats["instances_per_class"]["kgo:Session"] == len(sessions)
    assert stats["labels_per_language"]["ko"] >= 80
    assert stats["labels_per_language"]["en"] >= 80


def test_python_m_entry_point() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "d4sme_kg", "--version"], capture_output=True, text=True, check=True
    )
    assert "d4sme-kg" in done.stdout
