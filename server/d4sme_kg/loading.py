"""Load a project into named graphs: ontology, shapes, data, links and source text.

Loading never prints and never touches the network. A file that does not parse
raises :class:`~d4sme_kg.errors.LoadError` naming the file and line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from d4sme_kg.errors import LoadError
from d4sme_kg.formats import format_for_path, oxigraph_format
from d4sme_kg.namespaces import DEFAULT_BASE, SCHEMA, base_namespaces, bind_prefixes
from d4sme_kg.project import CONTENT_PARTS, PARTS, Project

# Personal data the graph does not need (the author's e-mail address on the byline):
# masked with '*' of the same length so that every character offset stays valid.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class KnowledgeGraph:
    """A loaded project: one rdflib Graph per part, all with our prefixes bound."""

    project: Project
    parts: dict[str, Graph] = field(default_factory=dict)

    def union(self, parts: Iterable[str] = CONTENT_PARTS) -> Graph:
        """One graph holding the triples of ``parts`` (used for validation and queries)."""
        merged = bind_prefixes(Graph(), self.project.base)
        for part in parts:
            for triple in self.parts[part]:
                merged.add(triple)
        return merged

    def dataset(self, parts: Iterable[str] = CONTENT_PARTS) -> Dataset:
        """A Dataset with one named graph per part."""
        dataset = Dataset()
        bind_prefixes(dataset, self.project.base)
        for part in parts:
            named = dataset.graph(URIRef(self.project.graph_iri(part)))
            for triple in self.parts[part]:
                named.add(triple)
        return dataset

    def __len__(self) -> int:
        return sum(len(graph) for graph in self.parts.values())


def load_project(project: Project, parts: Iterable[str] = PARTS) -> KnowledgeGraph:
    """Parse every file of the project's ``parts``; generate the source-text graph."""
    wanted = tuple(parts)
    kg = KnowledgeGraph(project)
    for part in PARTS:
        if part in wanted or (part == "data" and "source" in wanted):
            graph = bind_prefixes(Graph(), project.base)
            for path in project.files(part):
                parse_file(graph, path, project)
            kg.parts[part] = graph
    if "source" in wanted:
        kg.parts["source"] = source_graph(kg.parts["data"], project)
    for part in list(kg.parts):
        if part not in wanted:
            del kg.parts[part]
    return kg


def load_for_serving(project: Project, store: ox.Store) -> tuple[Graph, Graph, ox.Store]:
    """The server's start: ``store`` filled, and what validation needs.

    ``store`` gets one named graph per content part. Returned: the content parts as one
    rdflib graph and as one pyoxigraph default graph (pySHACL and the SPARQL-based
    constraints read them), and the shapes; each built once, from one parse per file.
    """
    union = bind_prefixes(Graph(), project.base)
    shapes = bind_prefixes(Graph(), project.base)
    checked = ox.Store()
    for path in project.files("shapes"):
        parse_file(shapes, path, project)
    to_ox = _OxConverter()
    for part in CONTENT_PARTS:
        if part == "source":
            # The source text is generated from the data (kgo:sourceFile), now complete.
            triples = list(source_graph(union, project))
        else:
            triples = []
            for path in project.files(part):
                triples.extend(_parse_triples(path, project))
        union.addN((s, p, o, union) for s, p, o in triples)
        graph = ox.NamedNode(project.graph_iri(part))
        # Valid RDF: subjects are IRIs or blank nodes, predicates IRIs.
        quads = [
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)  # type: ignore[arg-type]
            for s, p, o in triples
        ]
        store.extend(quads)
        checked.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return union, shapes, checked


def parse_file(graph: Graph, path: Path, project: Project) -> None:
    """Parse one RDF file into ``graph``, rewriting the canonical base if needed."""
    graph.addN((s, p, o, graph) for s, p, o in _parse_triples(path, project))


def _parse_triples(path: Path, project: Project) -> list[tuple[Node, Node, Node]]:
    """The triples of one RDF file as rdflib terms, our IRIs rebased if needed.

    pyoxigraph parses (it is many times faster than rdflib's Turtle parser, see
    benchmarks/README.md, and reports line and column); the triples are then handed to
    rdflib, which validation and serialisation use.
    """
    fmt = format_for_path(path)
    if fmt is None:
        raise LoadError(project.relative(path), "not an RDF file this project reads")
    try:
        quads = list(ox.parse(path=str(path), format=oxigraph_format(fmt), rename_blank_nodes=True))
    except SyntaxError as error:
        raise LoadError(
            project.relative(path), _syntax_message(error), getattr(error, "lineno", None)
        ) from None
    except (OSError, ValueError) as error:
        raise LoadError(project.relative(path), str(error)) from None
    convert = _Converter(project.base)
    return [(convert(q.subject), convert(q.predicate), convert(q.object)) for q in quads]


def add_oxigraph_triples(
    graph: Graph, quads: Iterable[ox.Quad | ox.Triple], base: str = DEFAULT_BASE
) -> Graph:
    """Add pyoxigraph triples (or the triples of quads) to an rdflib graph, labels kept."""
    convert = _Converter(base)
    graph.addN((convert(q.subject), convert(q.predicate), convert(q.object), graph) for q in quads)
    return graph


def _syntax_message(error: SyntaxError) -> str:
    # pyoxigraph: "Parser error at line 4 between columns 6 and 9: A dot is expected ..."
    message = str(error.args[0]) if error.args else str(error)
    match = re.match(
        r"Parser error at line \d+ between columns (\d+) and \d+: (.*)", message, re.DOTALL
    )
    if match:
        return f"column {match.group(1)}: {match.group(2)}"
    return message


def from_ox_term(term: object) -> Node:
    """A pyoxigraph term as an rdflib term (``xsd:string`` literals plain, as rdflib makes them).

    RDF 1.2 triple terms have no rdflib counterpart here: a LoadError.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise LoadError("(data)", "RDF 1.2 triple terms are not supported yet")


class _Converter:
    """:func:`from_ox_term` with a cache, rebasing our IRIs when the base is not the default."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.rebase = base != DEFAULT_BASE
        self.cache: dict[object, Node] = {}

    def __call__(self, term: object) -> Node:
        cached = self.cache.get(term)
        if cached is not None:
            return cached
        converted = from_ox_term(term)
        if self.rebase:
            converted = _rebase(converted, self.base)
        self.cache[term] = converted
        return converted


def to_ox_term(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (the way back of :func:`from_ox_term`)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


class _OxConverter:
    """:func:`to_ox_term` with a cache: a graph repeats its terms many times."""

    def __init__(self) -> None:
        self.cache: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def __call__(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        cached = self.cache.get(term)
        if cached is None:
            cached = self.cache[term] = to_ox_term(term)
        return cached


def source_graph(data: Graph, project: Project) -> Graph:
    """The text of every document the data points at with ``kgo:sourceFile``, and its lines.

    Quotes in the data are checked against this text (a SHACL rule), so it is part of the graph.
    """
    kgo = base_namespaces(project.base)["kgo"]
    graph = bind_prefixes(Graph(), project.base)
    for doc, file_name in sorted(data.subject_objects(kgo.sourceFile)):
        path = project.data_dir / str(file_name)
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise LoadError(project.relative(path), f"cannot read source text: {error}") from None
        text = _EMAIL.sub(lambda m: "*" * len(m.group()), unicodedata.normalize("NFC", raw))
        graph.add((doc, SCHEMA.text, Literal(text, lang="ko")))
        start = 0
        for number, line in enumerate(text.split("\n"), start=1):
            node = URIRef(f"{doc}-line-{number}")
            graph.add((node, RDF.type, kgo.SourceLine))
            graph.add((node, SCHEMA.isPartOf, doc))
            graph.add((node, kgo.lineNumber, Literal(number, datatype=XSD.integer)))
            graph.add((node, kgo.lineStart, Literal(start, datatype=XSD.integer)))
            graph.add((node, kgo.lineEnd, Literal(start + len(line), datatype=XSD.integer)))
            graph.add((node, SCHEMA.text, Literal(line, lang="ko")))
            start += len(line) + 1
    return graph


def _rebase(term: Node, base: str) -> Node:
    if isinstance(term, URIRef) and str(term).startswith(DEFAULT_BASE):
        return URIRef(base + str(term)[len(DEFAULT_BASE) :])
    # The shapes declare their SPARQL prefixes as xsd:anyURI literals (sh:namespace).
    if (
        isinstance(term, Literal)
        and term.datatype == XSD.anyURI
        and str(term).startswith(DEFAULT_BASE)
    ):
        return Literal(base + str(term)[len(DEFAULT_BASE) :], datatype=XSD.anyURI)
    return term
