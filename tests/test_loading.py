from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from d4sme_kg.errors import LoadError
from d4sme_kg.loading import KnowledgeGraph, load_project
from d4sme_kg.namespaces import SCHEMA
from d4sme_kg.project import PARTS, Project

KGO = "https://w3id.org/d4sme-kg/ontology#"
ARTICLE = URIRef("https://w3id.org/d4sme-kg/id/article-kakao-d4sme")


def test_every_part_is_loaded(kg: KnowledgeGraph) -> None:
    assert set(kg.parts) == set(PARTS)
    for part, graph in kg.parts.items():
        assert len(graph) > 0, part


def test_source_text_is_the_article_with_the_email_masked(
    kg: KnowledgeGraph, project: Project
) -> None:
    text = kg.parts["source"].value(ARTICLE, SCHEMA.text)
    raw = (project.data_dir / "source" / "article.ko.txt").read_text(encoding="utf-8")
    assert isinstance(text, Literal) and text.language == "ko"
    assert len(str(text)) == len(raw), "masking keeps every offset"
    assert "@" in raw and "@" not in str(text)
    for masked, line in zip(str(text).split("\n"), raw.split("\n"), strict=True):
        assert masked == line or "@" in line, "only the address's line changes"


def test_one_source_line_node_per_line(kg: KnowledgeGraph, project: Project) -> None:
    raw = (project.data_dir / "source" / "article.ko.txt").read_text(encoding="utf-8")
    lines = list(kg.parts["source"].subjects(RDF.type, URIRef(KGO + "SourceLine")))
    assert len(lines) == len(raw.split("\n"))
    line5 = URIRef(f"{ARTICLE}-line-5")
    start = kg.parts["source"].value(line5, URIRef(KGO + "lineStart")).toPython()
    end = kg.parts["source"].value(line5, URIRef(KGO + "lineEnd")).toPython()
    text = str(kg.parts["source"].value(ARTICLE, SCHEMA.text))
    assert text[start:end] == str(kg.parts["source"].value(line5, SCHEMA.text))
    assert text[start:end].startswith("회의는 크게 네 개 세션으로")


def test_another_base_iri_rewrites_our_iris_only(project: Project) -> None:
    other = Project(project.root, "http://example.org/kg/")
    kg = load_project(other, ["data", "source"])
    subjects = {str(s) for s in kg.parts["data"].subjects()}
    assert "http://example.org/kg/id/kakao" in subjects
    assert not any(s.startswith("https://w3id.org/d4sme-kg/") for s in subjects)
    assert (URIRef("http://example.org/kg/id/article-kakao-d4sme"), SCHEMA.text, None) in kg.parts[
        "source"
    ]


def test_a_turtle_error_names_the_file_and_line(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    broken = root / "data" / "event.ttl"
    lines = broken.read_text(encoding="utf-8").splitlines()
    lines.insert(12, "kg:oops kg:missing-object .")
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_project(Project.from_root(root))
    assert caught.value.path == "data/event.ttl"
    assert caught.value.line == 13
    assert str(caught.value).startswith("data/event.ttl:13: ")


def test_an_unreadable_source_text_is_a_load_error(project_copy: Callable[[], Path]) -> None:
    root = project_copy()
    (root / "data" / "source" / "article.ko.txt").unlink()
    with pytest.raises(LoadError, match="article.ko.txt"):
        load_project(Project.from_root(root))


@pytest.mark.parametrize("base", [None, "https://example.org/kg/"])
def test_the_servers_load_gives_the_same_graphs(base: str | None) -> None:
    import pyoxigraph as ox

    from d4sme_kg.loading import add_oxigraph_triples, load_for_serving
    from d4sme_kg.project import CONTENT_PARTS
    from d4sme_kg.sparql_constraints import to_oxigraph

    from .graphs import assert_same_graph

    project = Project.from_root(None, base)
    kg = load_project(project, PARTS)
    store = ox.Store()
    union, shapes, checked = load_for_serving(project, store)
    assert_same_graph(kg.union(), union)
    # As validation loaded it before: the union written out and read by pyoxigraph.
    assert_same_graph(
        add_oxigraph_triples(Graph(), to_oxigraph(union)), add_oxigraph_triples(Graph(), checked)
    )
    assert list(checked.named_graphs()) == []
    assert_same_graph(kg.parts["shapes"], shapes)
    # The store against each part written out and read back (pyoxigraph keeps numbers
    # in canonical form either way: "1.0"^^xsd:decimal is "1").
    expected = ox.Store()
    for part in CONTENT_PARTS:
        payload = kg.parts[part].serialize(format="nt", encoding="utf-8")
        named = ox.NamedNode(project.graph_iri(part))
        expected.load(payload, format=ox.RdfFormat.N_TRIPLES, to_graph=named)
    for part in CONTENT_PARTS:
        named = ox.NamedNode(project.graph_iri(part))
        assert_same_graph(
            add_oxigraph_triples(Graph(), expected.quads_for_pattern(None, None, None, named)),
            add_oxigraph_triples(Graph(), store.quads_for_pattern(None, None, None, named)),
        )
    assert len(store) == sum(len(kg.parts[part]) for part in CONTENT_PARTS)
