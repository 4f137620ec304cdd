"""Check a graph against the project's SHACL shapes (pySHACL) and report in plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from d4sme_kg.loading import KnowledgeGraph
from d4sme_kg.namespaces import SH, bind_prefixes
from d4sme_kg.shacl_runner import start_pyshacl
from d4sme_kg.sparql_constraints import (
    SparqlResult,
    check_sparql_constraints,
    core_shapes,
    sparql_targets,
    to_oxigraph,
)


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, reduced to what a person (or a test) needs."""

    focus: Node
    path: Node | None
    component: URIRef
    severity: URIRef
    source_shape: Node
    value: Node | None
    messages: tuple[Literal, ...]

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` if the shape has one, else any message."""
        for literal in self.messages:
            if literal.language == lang:
                return str(literal)
        untagged = [str(m) for m in self.messages if m.language is None]
        if untagged:
            return untagged[0]
        return str(self.messages[0]) if self.messages else self.component.split("#")[-1]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation: ``conforms`` ignores warnings and infos."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    graph: Graph

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Violation)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        return tuple(r for r in self.results if r.severity == SH.Warning)

    def text(self, lang: str = "en", names: Graph | None = None) -> str:
        """A report a person can read: one line per result, node and property by name."""
        label = (names or self.graph).namespace_manager
        lines = []
        for result in sorted(self.results, key=_sort_key):
            severity = result.severity.split("#")[-1]
            focus = result.focus.n3(label)
            where = f" {result.path.n3(label)}" if isinstance(result.path, URIRef) else ""
            value = f" (value: {_short(result.value, names or self.graph)})" if result.value else ""
            lines.append(f"{severity}: {focus}{where}: {result.message(lang)}{value}")
        counts = f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines.append(f"The data {verdict}: {counts}.")
        return "\n".join(lines)


def validate_graph(
    data: Graph, shapes: Graph, engine: str = "hybrid", processes: int = 1
) -> ValidationReport:
    """Validate ``data`` (which must already hold the ontology) against ``shapes``.

    pySHACL follows ``rdfs:subClassOf`` in the data graph, so the ontology and the
    standard-term extract travel with the data rather than as a separate graph.
    With ``engine="hybrid"`` (the default) pySHACL checks SHACL Core and pyoxigraph the
    SPARQL-based constraints (see :mod:`d4sme_kg.sparql_constraints`); ``"pyshacl"``
    leaves everything to pySHACL (slow on the full graph; used by the tests to compare).
    ``processes`` > 1 shares pySHACL's work out between forked processes.
    """
    return start_validation(data, shapes, engine, processes)()


def start_validation(
    data: Graph,
    shapes: Graph,
    engine: str = "hybrid",
    processes: int = 1,
    store: ox.Store | None = None,
) -> Callable[[], ValidationReport]:
    """Start :func:`validate_graph`; the function returned waits for the report.

    With ``processes`` > 1, pySHACL runs in forked processes meanwhile, so the caller
    can get on with other work (nothing else may fork or start threads until then).
    ``store``: the same triples in a pyoxigraph default graph, if the caller has them.
    """
    core = shapes
    extra: list[SparqlResult] = []
    if engine == "hybrid":
        store = to_oxigraph(data) if store is None else store
        targets = sparql_targets(store, shapes)
        core = core_shapes(shapes, targets)
        extra = check_sparql_constraints(store, data, shapes, targets)
    pending = start_pyshacl(data, core, advanced=engine != "hybrid", processes=processes)

    def report() -> ValidationReport:
        conforms, graph = pending()
        if extra:
            conforms = _add_results(graph, extra) and bool(conforms)
        bind_prefixes(graph)
        for prefix, namespace in data.namespaces():
            graph.bind(prefix, namespace, override=False)
        return ValidationReport(bool(conforms), _results(graph), graph)

    return report


def validate_knowledge_graph(kg: KnowledgeGraph, processes: int = 1) -> ValidationReport:
    """Validate a loaded project: the union of its content parts against its shapes."""
    return validate_graph(kg.union(), kg.parts["shapes"], processes=processes)


def _add_results(report: Graph, extra: list[SparqlResult]) -> bool:
    """Put SPARQL-constraint results into pySHACL's report; False if any is a Violation."""
    summary = next(report.subjects(RDF.type, SH.ValidationReport))
    for result in extra:
        node = BNode()
        report.add((summary, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, result.focus))
        report.add((node, SH.resultSeverity, result.severity))
        report.add((node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        report.add((node, SH.sourceShape, result.source_shape))
        report.add((node, SH.sourceConstraint, result.source_constraint))
        if result.path is not None:
            report.add((node, SH.resultPath, result.path))
        if result.value is not None:
            report.add((node, SH.value, result.value))
        for message in result.messages:
            report.add((node, SH.resultMessage, message))
    conforms = not any(r.severity == SH.Violation for r in extra)
    if not conforms:
        report.set((summary, SH.conforms, Literal(False)))
    return conforms


def _results(report: Graph) -> tuple[ValidationResult, ...]:
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        component = report.value(node, SH.sourceConstraintComponent)
        severity = report.value(node, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus=report.value(node, SH.focusNode) or URIRef(""),
                path=report.value(node, SH.resultPath),
                component=URIRef(str(component)),
                severity=URIRef(str(severity)),
                source_shape=report.value(node, SH.sourceShape) or URIRef(""),
                value=report.value(node, SH.value),
                messages=tuple(
                    m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)
                ),
            )
        )
    return tuple(sorted(results, key=_sort_key))


def _sort_key(result: ValidationResult) -> tuple[str, str, str, str]:
    return (str(result.severity), str(result.focus), str(result.path), str(result.component))


def _short(value: Node, graph: Graph) -> str:
    text = value.n3(graph.namespace_manager)
    return text if len(text) <= 80 else text[:77] + "..."
