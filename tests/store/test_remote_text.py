"""The text a remote store is sent means what the local engine is asked.

Each query is run twice on the project's store in memory: as the local engine gets it
(parameters as substitutions, prefixes as an option) and as a remote store gets it
(prefixes declared, parameters written in, CONSTRUCT as a SELECT whose template is
filled here). The answers must be the same.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from d4sme_kg.errors import QueryError
from d4sme_kg.loading import load_for_serving
from d4sme_kg.namespaces import prefixes
from d4sme_kg.parameters import bind_values
from d4sme_kg.project import Project
from d4sme_kg.queries import StoredQuery, library
from d4sme_kg.results import literal
from d4sme_kg.sparql import analyse
from d4sme_kg.store.remote import remote_message
from d4sme_kg.store.remote_text import bind_in_text, fill_template, prologue, split_construct

REPO = Path(__file__).resolve().parents[2]
KG = "https://w3id.org/d4sme-kg/id/"
PREFIXES = {p: str(ns) for p, ns in prefixes().items()}
#: A value for each parameter without a default, by type (graphs by name).
SAMPLES = {
    "iri": KG + "kakao",
    "string": "카카오",
    "lang": "ko",
    "integer": "11",
    "decimal": "0.9",
    "boolean": "true",
    "date": "2019-11-29",
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    found = ox.Store()
    load_for_serving(Project.from_root(REPO), found)
    return found


def _with_parameters() -> list[Any]:
    queries = library(REPO / "queries").values()
    return [pytest.param(q, id=q.name) for q in queries if q.parameters]


def _bindings(query: StoredQuery) -> dict[str, tuple[Any, ...]]:
    given = {
        p.name: ("https://w3id.org/d4sme-kg/graph/data" if p.name == "g" else SAMPLES[p.type])
        for p in query.parameters
        if p.default is None
    }
    return bind_values(query, given, PREFIXES)


def _local(store: ox.Store, text: str, bindings: dict[str, tuple[Any, ...]]) -> Any:
    substitutions = {ox.Variable(name): _term(value) for name, value in bindings.items()}
    return store.query(
        text, prefixes=PREFIXES, substitutions=substitutions, use_default_graph_as_union=True
    )


def _remote(store: ox.Store, text: str, bindings: dict[str, tuple[Any, ...]]) -> Any:
    needed = {p: PREFIXES[p] for p in analyse(text).undeclared_prefixes if p in PREFIXES}
    sent = prologue(needed) + bind_in_text(text, bindings)
    return store.query(sent, use_default_graph_as_union=True)


def _term(value: tuple[Any, ...]) -> Any:
    if value[0] == "uri":
        return ox.NamedNode(value[1])
    if value[3]:
        return ox.Literal(value[1], language=value[3])
    return ox.Literal(value[1], datatype=ox.NamedNode(value[2]))


def _answer(result: Any) -> Any:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = sorted(v.value for v in result.variables)
        rows = Counter(
            tuple(sorted((k, _plain(row[k])) for k in names if row[k] is not None))
            for row in result
        )
        return names, rows
    return _canonical(list(result))


def _plain(term: Any) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def _canonical(triples: list[ox.Triple]) -> set[str]:
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


@pytest.mark.parametrize("query", _with_parameters())
def test_parameters_written_in_mean_what_substitutions_mean(
    store: ox.Store, query: StoredQuery
) -> None:
    bindings = _bindings(query)
    expected = _answer(_local(store, query.text, bindings))
    actual = _answer(_remote(store, query.text, bindings))
    assert expected == actual
    assert expected != ([], Counter()) or query.name.startswith("checks/")


@pytest.mark.parametrize(
    ("text", "bindings"),
    [
        # GROUP BY and ORDER BY on a parameter, and a parameter in a nested group.
        (
            "SELECT ?lang ?s (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l "
            "OPTIONAL { { ?s skos:prefLabel ?p FILTER(LANG(?p) = ?lang) } } "
            "FILTER(LANG(?l) = ?lang) } GROUP BY ?lang ?s ORDER BY ?lang ?s",
            {"lang": literal("ko")},
        ),
        # SELECT * keeps the parameter's column.
        ("SELECT * WHERE { ?entity rdfs:label ?l }", {"entity": ("uri", KG + "kakao")}),
        # A subquery that projects the parameter.
        (
            "SELECT ?s ?lang WHERE { { SELECT ?s ?lang WHERE { ?s rdfs:label ?l "
            "FILTER(LANG(?l) = ?lang) } ORDER BY ?lang ?s LIMIT 5 } }",
            {"lang": literal("en")},
        ),
        # Values that need escaping.
        ("SELECT ?x ?s WHERE { ?s rdfs:label ?x }", {"x": literal('Kakao "\\\n카카오')}),
        ("ASK { ?s rdfs:label ?x }", {"x": literal("카카오", language="ko")}),
        ("DESCRIBE ?s", {"s": ("uri", KG + "kakao")}),
    ],
)
def test_written_in_parameters_in_every_place(
    store: ox.Store, text: str, bindings: dict[str, tuple[Any, ...]]
) -> None:
    expected = _answer(_local(store, text, bindings))
    assert _answer(_remote(store, text, bindings)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x WHERE { BIND(1 AS ?x) }",
        "SELECT ?s WHERE { VALUES ?x { 1 2 } ?s ?p ?x }",
        "SELECT ?s WHERE { { SELECT ?x WHERE { ?s ?p ?x } } }",
    ],
)
def test_a_parameter_the_query_assigns_is_refused(text: str) -> None:
    with pytest.raises(QueryError):
        bind_in_text(text, {"x": literal("a")})


def test_a_blank_node_cannot_be_sent() -> None:
    with pytest.raises(QueryError, match="blank node"):
        bind_in_text("SELECT ?x WHERE { ?x ?p ?o }", {"x": ("bnode", "b0")})


@pytest.mark.parametrize(
    "text",
    [
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ <{KG}kakao> ?p ?o BIND(<{KG}kakao> AS ?s) }}",
        # Blank nodes of the template (one per solution), lists, literals as subjects
        # (left out), ORDER BY and LIMIT.
        "CONSTRUCT { ?s kgo:named [ rdfs:label ?l ] ; kgo:both ( ?l 1 ) . ?l a kgo:Name } "
        f"WHERE {{ ?s rdfs:label ?l FILTER(STRSTARTS(STR(?s), '{KG}k')) }} ORDER BY ?l LIMIT 7",
        # The short form, and the remote's blank nodes kept apart and together.
        "CONSTRUCT WHERE { ?s kgo:meetingOf ?body ; schema:startDate ?day }",
        "CONSTRUCT { ?b ?p ?o } WHERE { ?s ?q ?b FILTER(isBLANK(?b)) ?b ?p ?o }",
        "CONSTRUCT { <http://example.org/a> <http://example.org/b> 1 } WHERE { }",
    ],
)
def test_a_construct_filled_here_is_the_engines(store: ox.Store, text: str) -> None:
    needed = {p: PREFIXES[p] for p in analyse(text).undeclared_prefixes if p in PREFIXES}
    sent = prologue(needed) + text
    construct = split_construct(sent)
    assert construct is not None
    solutions = store.query(construct.select, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    rows = [
        {name: _neutral(row[name]) for name in names if row[name] is not None} for row in solutions
    ]
    filled = fill_template(construct, rows)
    expected = _canonical(list(store.query(sent, use_default_graph_as_union=True)))
    assert _canonical(filled) == expected and expected


def _neutral(term: Any) -> tuple[Any, ...]:
    """A pyoxigraph term as the remote backend reads a JSON answer's."""
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    return ("literal", term.value, term.datatype.value, term.language)


def test_other_forms_are_not_split() -> None:
    assert split_construct("SELECT * WHERE { ?s ?p ?o }") is None
    assert split_construct("DESCRIBE <http://example.org/a>") is None


def test_a_remote_error_reads_as_text() -> None:
    body = "Virtuoso 37000 Error SP030: prefix at '카카오'\n\nSPARQL query:\nSELECT …".encode()
    assert remote_message(QueryBadFormed(body)) == "Virtuoso 37000 Error SP030: prefix at '카카오'"
