"""The article's facts: coverage of every line, exact quotes, vocabulary, links, privacy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.namespaces import OA, SCHEMA, WD
from d4sme_kg.project import Project

from .conftest import FIXTURES, REPO

KG = "https://w3id.org/d4sme-kg/id/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
ARTICLE = URIRef(KG + "article-kakao-d4sme")
CORE = (str(RDF), str(RDFS), str(OWL), str(XSD))


def declared_terms(kg: KnowledgeGraph) -> set[URIRef]:
    ontology = kg.parts["ontology"]
    kinds = (
        OWL.Class,
        RDFS.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDFS.Datatype,
    )
    return {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def test_data_uses_only_declared_classes_and_properties(kg: KnowledgeGraph) -> None:
    declared = declared_terms(kg)
    used: set[URIRef] = set()
    for part in ("data", "links", "source"):
        graph = kg.parts[part]
        used |= {p for p in graph.predicates() if isinstance(p, URIRef)}
        used |= {o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)}
    unknown = sorted(str(t) for t in used - declared if not str(t).startswith(CORE))
    assert unknown == [], "terms used in data/ but declared nowhere:\n" + "\n".join(unknown)


def test_an_undeclared_term_is_caught(kg: KnowledgeGraph) -> None:
    # The check above would fail for a typo such as schema:attendees.
    assert URIRef("https://schema.org/attendees") not in declared_terms(kg)
    assert URIRef("https://schema.org/attendee") in declared_terms(kg)


def test_every_line_of_the_article_is_encoded(kg: KnowledgeGraph) -> None:
    lines = {int(n) for n in kg.parts["data"].objects(None, URIRef(KGO + "lineNumber"))}
    assert lines == set(range(1, 21))


def test_every_quote_is_the_article_text_at_its_offsets(
    kg: KnowledgeGraph, project: Project
) -> None:
    text = (project.data_dir / "source" / "article.ko.txt").read_text(encoding="utf-8")
    data = kg.parts["data"]
    checked = 0
    for evidence in data.subjects(RDF.type, OA.SpecificResource):
        selectors = list(data.objects(evidence, OA.hasSelector))
        exact = next(
            str(data.value(s, OA.exact))
            for s in selectors
            if (s, RDF.type, OA.TextQuoteSelector) in data
        )
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in data)
        start, end = int(data.value(position, OA.start)), int(data.value(position, OA.end))
        assert text[start:end] == exact, evidence
        line = int(data.value(evidence, URIRef(KGO + "lineNumber")))
        line_start = sum(len(x) + 1 for x in text.split("\n")[: line - 1])
        assert line_start <= start and end <= line_start + len(text.split("\n")[line - 1])
        checked += 1
    assert checked >= 100


def test_wikidata_links_are_exactly_the_verified_ones(kg: KnowledgeGraph) -> None:
    expected = set()
    for row in (FIXTURES / "wikidata-links.tsv").read_text(encoding="utf-8").splitlines():
        if row and not row.startswith("#"):
            slug, prop, qid = row.split("\t")
            predicate = SCHEMA.sameAs if prop == "schema:sameAs" else SKOS.exactMatch
            expected.add((URIRef(KG + slug), predicate, WD[qid]))
    links = kg.parts["links"] + kg.parts["data"]
    actual = {
        (s, p, o)
        for p in (SCHEMA.sameAs, SKOS.exactMatch, OWL.sameAs)
        for s, o in links.subject_objects(p)
        if str(o).startswith(str(WD))
    }
    assert actual == expected
    for unlinked in (
        "kakao",
        "kakaotalk",
        "posco",
        "telstar-hommel",
        "kim-dae-won",
        "kim-su-won",
        "oecd-cfe",
        "d4sme",
    ):
        assert not set(links.objects(URIRef(KG + unlinked), SCHEMA.sameAs)), unlinked


def test_no_owl_same_as_and_no_http_schema_org() -> None:
    for path in sorted((REPO / "data").rglob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        assert "owl:sameAs" not in text and "http://schema.org" not in text, path


def test_no_email_address_in_the_graph(kg: KnowledgeGraph) -> None:
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    for part in ("data", "links", "source"):
        for triple in kg.parts[part]:
            assert not any(isinstance(t, Literal) and email.search(str(t)) for t in triple)
    for path in sorted((REPO / "data").glob("*.ttl")):
        assert not email.search(path.read_text(encoding="utf-8")), path


def _claims_about(data: Graph, subject: URIRef, predicate: URIRef) -> list[URIRef]:
    return [c for c in data.subjects(RDF.subject, subject) if (c, RDF.predicate, predicate) in data]


def test_the_year_is_an_inference_with_its_reason(kg: KnowledgeGraph) -> None:
    data = kg.parts["data"]
    event = URIRef(KG + "d4sme-roundtable-2019")
    assert (event, SCHEMA.startDate, Literal("2019-11-29", datatype=XSD.date)) in data
    [claim] = _claims_about(data, event, SCHEMA.startDate)
    assert data.value(claim, URIRef(KGO + "derivationMode")) == URIRef(KGO + "Inferred")
    notes = {n.language for n in data.objects(claim, SKOS.editorialNote)}
    assert notes == {"en", "ko"}


def test_only_session_two_has_a_known_chair(kg: KnowledgeGraph) -> None:
    data = kg.parts["data"]
    chaired = set(data.subject_objects(URIRef(KGO + "chairedBy")))
    assert chaired == {(URIRef(KG + "d4sme-roundtable-2019-s2"), URIRef(KG + "park-young-sun"))}
    chairs = set(data.objects(None, URIRef(KGO + "sessionChair")))
    assert chairs == {URIRef(KG + p) for p in ("stuart-nash", "pat-breen", "park-young-sun")}


@pytest.mark.parametrize(
    ("slug", "ko", "en"),
    [
        ("kakao", "카카오", "Kakao"),
        ("park-young-sun", "박영선", "Park Young-sun"),
        ("kakao-makers", "카카오메이커스", "Kakao Makers"),
    ],
)
def test_labels_in_both_languages(kg: KnowledgeGraph, slug: str, ko: str, en: str) -> None:
    labels = set(kg.parts["data"].objects(URIRef(KG + slug), RDFS.label))
    assert Literal(ko, lang="ko") in labels and Literal(en, lang="en") in labels


def test_the_article_and_its_video(kg: KnowledgeGraph) -> None:
    data = kg.parts["data"]
    assert (ARTICLE, RDF.type, SCHEMA.BlogPosting) in data
    video = data.value(ARTICLE, SCHEMA.video)
    assert data.value(video, SCHEMA.url) == URIRef("https://www.youtube.com/watch?v=wECcTcQBZ8A")
    assert str(data.value(ARTICLE, SCHEMA.inLanguage)) == "ko"


def test_data_readme_lists_every_data_file() -> None:
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "data").rglob("*.ttl")):
        assert path.name in readme, path.name
    assert isinstance(Path, type)
