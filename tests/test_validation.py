"""validate_graph: the report, its plain-words text, and the engines agreeing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from d4sme_kg.loading import KnowledgeGraph, load_project
from d4sme_kg.namespaces import SH
from d4sme_kg.project import Project
from d4sme_kg.validation import ValidationResult, validate_graph, validate_knowledge_graph

KAKAO = URIRef("https://w3id.org/d4sme-kg/id/kakao")


def keys(results: tuple[ValidationResult, ...]) -> set[tuple[str, str, str, str]]:
    return {(str(r.focus), str(r.path), str(r.component), str(r.severity)) for r in results}


def test_the_embedded_data_conforms(kg: KnowledgeGraph) -> None:
    report = validate_knowledge_graph(kg)
    assert report.conforms, report.text()
    assert not report.violations


def test_a_broken_graph_is_reported_the_same_by_one_or_two_processes(kg: KnowledgeGraph) -> None:
    data = kg.union()
    data.remove((KAKAO, RDFS.label, Literal("Kakao", lang="en")))
    data.add((KAKAO, RDFS.label, Literal("Kakao", lang="fr")))
    one = validate_graph(data, kg.parts["shapes"], processes=1)
    two = validate_graph(data, kg.parts["shapes"], processes=2)
    assert not one.conforms and not two.conforms
    assert keys(one.results) == keys(two.results)
    assert (
        str(KAKAO),
        str(RDFS.label),
        str(SH.LanguageInConstraintComponent),
        str(SH.Violation),
    ) in keys(one.results)
    # The shapes named in the report are the shapes graph's own nodes, in both cases.
    shapes = kg.parts["shapes"]
    assert all((r.source_shape, None, None) in shapes for r in two.results)


def test_text_report_is_plain_words(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    evidence = root / "data" / "evidence.ttl"
    text = evidence.read_text(encoding="utf-8")
    assert "카카오톡은 한국에서 94%의 점유율" in text or "94%" in text
    evidence.write_text(text.replace("94%", "95%", 1), encoding="utf-8")
    report = validate_knowledge_graph(load_project(Project.from_root(root)))
    assert not report.conforms
    lines = report.text().splitlines()
    assert lines[-1].startswith("The data does NOT conform:")
    assert any(line.startswith("Violation: kg:evidence-") and "95%" in line for line in lines)
