"""SHACL-SPARQL constraints (sh:sparql / sh:select), evaluated by pyoxigraph.

pySHACL evaluates SPARQL-based constraints with rdflib's query engine, once per focus
node; on this project's graph that took minutes (146 s for sixteen constraints), where
pyoxigraph needs a fraction of a second. So validation splits the shapes: pySHACL checks
SHACL Core, this module checks the SPARQL-based constraints by the same rules
(SHACL §5: ``$this`` pre-bound to each focus node, ``$PATH`` replaced by the property
shape's path, messages from ``?message`` or ``sh:message`` with ``{?var}`` filled in),
and both sets of results go into one report. A test runs full pySHACL on the shape
test cases and checks that both give the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from d4sme_kg.errors import ShapesError
from d4sme_kg.loading import from_ox_term, to_ox_term
from d4sme_kg.namespaces import SH

_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


@dataclass(frozen=True)
class SparqlResult:
    """One result of a SPARQL-based constraint, in the terms of a SHACL validation result."""

    focus: Node
    path: Node | None
    value: Node | None
    messages: tuple[Literal, ...]
    severity: URIRef
    source_shape: Node
    source_constraint: Node


def to_oxigraph(data: Graph) -> ox.Store:
    """The data graph in a pyoxigraph store, for the SPARQL-based parts of the shapes."""
    store = ox.Store()
    store.load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def sparql_targets(store: ox.Store, shapes: Graph) -> dict[Node, set[Node]]:
    """The focus nodes of every shape that has a SPARQL-based target (SHACL-AF sh:target)."""
    found: dict[Node, set[Node]] = {}
    for shape, target in shapes.subject_objects(SH.target):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes:
            continue
        select = shapes.value(target, SH.select)
        text = _prologue(shapes, target) + str(select)
        try:
            nodes = {from_ox_term(solution["this"]) for solution in _solutions(store, text)}
        except SyntaxError as error:
            raise ShapesError(f"the SPARQL target of {shape} does not parse: {error}") from None
        found.setdefault(shape, set()).update(nodes)
    return found


def core_shapes(shapes: Graph, targets: dict[Node, set[Node]]) -> Graph:
    """The shapes for pySHACL: SPARQL constraints left out, SPARQL targets made explicit.

    Each SPARQL-based target is replaced by ``sh:targetNode`` triples for the nodes it
    selects, so that pySHACL checks those shapes' core constraints without running SPARQL.
    """
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace)
    for triple in shapes:
        if triple[1] == SH.sparql:
            continue
        if triple[1] == SH.target and (triple[2], RDF.type, SH.SPARQLTarget) in shapes:
            continue
        core.add(triple)
    for shape, nodes in targets.items():
        for node in nodes:
            core.add((shape, SH.targetNode, node))
    return core


def check_sparql_constraints(
    store: ox.Store, data: Graph, shapes: Graph, targets: dict[Node, set[Node]]
) -> list[SparqlResult]:
    """Every result of every active SPARQL-based constraint of ``shapes`` on ``data``."""
    constraints = list(shapes.subject_objects(SH.sparql))
    results = []
    for shape, constraint in sorted(constraints, key=lambda pair: (str(pair[0]), str(pair[1]))):
        if _deactivated(shapes, shape) or _deactivated(shapes, constraint):
            continue
        select = shapes.value(constraint, SH.select)
        if select is None:
            raise ShapesError(f"SPARQL constraint of {shape} has no sh:select")
        path = shapes.value(shape, SH.path)
        text = _prologue(shapes, constraint) + str(select)
        if path is not None:
            text = text.replace("$PATH", _path_sparql(shapes, path))
        severity = shapes.value(shape, SH.severity) or SH.Violation
        messages = tuple(
            m for m in shapes.objects(constraint, SH.message) if isinstance(m, Literal)
        ) or tuple(m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal))
        nodes = focus_nodes(data, shapes, shape) | targets.get(shape, set())
        try:
            for focus in sorted(nodes, key=str):
                for solution in _solutions(store, text, focus):
                    results.append(
                        _result(
                            solution,
                            focus,
                            shape,
                            constraint,
                            path,
                            URIRef(str(severity)),
                            messages,
                        )
                    )
        except SyntaxError as error:
            raise ShapesError(f"the SPARQL of {shape} does not parse: {error}") from None
    return results


def focus_nodes(data: Graph, shapes: Graph, shape: Node) -> set[Node]:
    """The focus nodes of ``shape`` (its targets, or its parents' for a property shape)."""
    nodes: set[Node] = set()
    for node in shapes.objects(shape, SH.targetNode):
        nodes.add(node)
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.add(shape)
    for cls in classes:
        for sub in data.transitive_subjects(RDFS.subClassOf, cls):
            nodes.update(data.subjects(RDF.type, sub))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        nodes.update(data.subjects(prop, None))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        nodes.update(data.objects(None, prop))
    for parent in shapes.subjects(SH.property, shape):
        nodes.update(focus_nodes(data, shapes, parent))
    return nodes


def _result(
    solution: ox.QuerySolution,
    focus: Node,
    shape: Node,
    constraint: Node,
    path: Node | None,
    severity: URIRef,
    messages: tuple[Literal, ...],
) -> SparqlResult:
    bound = {}
    for name in ("path", "value", "message"):
        try:
            value = solution[name]
        except (KeyError, IndexError):
            value = None
        bound[name] = from_ox_term(value) if value is not None else None
    texts: tuple[Literal, ...]
    if bound["message"] is not None:
        texts = (Literal(str(bound["message"])),)
    else:
        texts = tuple(Literal(_fill(str(m), solution), lang=m.language) for m in messages)
    result_path = (
        bound["path"] if bound["path"] is not None else (path if isinstance(path, URIRef) else None)
    )
    return SparqlResult(focus, result_path, bound["value"], texts, severity, shape, constraint)


def _solutions(store: ox.Store, text: str, focus: Node | None = None) -> ox.QuerySolutions:
    """The solutions of a SELECT, with ``$this`` pre-bound to ``focus`` when given."""
    bindings: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] | None = (
        {ox.Variable("this"): to_ox_term(focus)} if focus is not None else None
    )
    result = store.query(text, substitutions=bindings)
    if not isinstance(result, ox.QuerySolutions):
        raise ShapesError("a SHACL-SPARQL constraint or target must be a SELECT query")
    return result


def _fill(template: str, solution: ox.QuerySolution) -> str:
    def value(match: re.Match[str]) -> str:
        try:
            term = solution[match.group(1)]
        except (KeyError, IndexError):
            term = None
        return term.value if term is not None else match.group()

    return _TEMPLATE.sub(value, template)


def _prologue(shapes: Graph, constraint: Node) -> str:
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(owner, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(set(lines)))


def _path_sparql(shapes: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "/".join(_path_sparql(shapes, p) for p in Collection(shapes, path))
    for predicate, operator in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return f"({_path_sparql(shapes, inner)}){operator}"
    inverse = shapes.value(path, SH.inversePath)
    if inverse is not None:
        return f"^({_path_sparql(shapes, inverse)})"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "(" + "|".join(_path_sparql(shapes, p) for p in Collection(shapes, alternatives)) + ")"
        )
    raise ShapesError(f"unsupported property path {path}")


def _deactivated(shapes: Graph, node: Node) -> bool:
    flag = shapes.value(node, SH.deactivated)
    return isinstance(flag, Literal) and flag.toPython() is True
