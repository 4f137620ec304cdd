"""Run pySHACL on SHACL Core shapes, on one core or split across processes.

pySHACL is pure Python and single-threaded; on this project's graph it is most of the
time a cold ``d4sme-kg validate`` takes. Top-level shapes are independent of each other,
so their checks can be shared out between forked processes (the data is shared
copy-on-write) and the reports merged: the results are the same, only sooner.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF
from rdflib.term import Node

from d4sme_kg.errors import ShapesError
from d4sme_kg.namespaces import SH

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def run_pyshacl(
    data: Graph, shapes: Graph, advanced: bool, processes: int = 1
) -> tuple[bool, Graph]:
    """pySHACL's (conforms, report graph) for ``data`` against ``shapes``."""
    return start_pyshacl(data, shapes, advanced, processes)()


def start_pyshacl(
    data: Graph, shapes: Graph, advanced: bool, processes: int = 1
) -> Callable[[], tuple[bool, Graph]]:
    """Start pySHACL; the function returned waits for and gives (conforms, report graph).

    With ``processes`` > 1 the checks run in forked processes, and the caller may do
    other work before it asks for the outcome (the server's start does).
    """
    top = sorted({s for p in _TARGETS for s in shapes.subjects(p, None)}, key=str)
    if processes <= 1 or len(top) < 2:
        return lambda: _validate(data, shapes, advanced)
    groups = _share_out(top, data, shapes, processes)
    context = multiprocessing.get_context("fork")
    workers = []
    for group in groups:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child, args=(sender, data, shapes, group, advanced), daemon=True
        )
        process.start()
        sender.close()
        workers.append((process, receiver))

    def outcome() -> tuple[bool, Graph]:
        outcomes = []
        for process, receiver in workers:
            try:
                outcomes.append(receiver.recv())
            except EOFError:
                raise ShapesError("a validation process stopped unexpectedly") from None
            finally:
                receiver.close()
                process.join()
        for reply in outcomes:
            if "error" in reply:
                raise ShapesError(reply["error"])
        return _merge([(o["conforms"], o["report"]) for o in outcomes])

    return outcome


def _validate(data: Graph, shapes: Graph, advanced: bool) -> tuple[bool, Graph]:
    from pyshacl import validate  # slow to import; only needed here

    _index_constraint_parameters()

    try:
        conforms, report, _ = validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=advanced,
            allow_warnings=True,
            allow_infos=True,
        )
    except Exception as error:  # pySHACL reports broken shapes with several exception types
        raise ShapesError(f"the SHACL shapes cannot be used: {error}") from None
    assert isinstance(report, Graph)
    return bool(conforms), report


class _IndexedList(list):  # type: ignore[type-arg]
    """A list that answers ``in`` from a set: the same answers, in constant time."""

    def __init__(self, items: list[Node]) -> None:
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _index_constraint_parameters() -> None:
    """Let pySHACL find its constraint parameters in a set rather than a list.

    For every shape it evaluates, pySHACL tests each predicate of the shape for
    membership in its list of about 30 constraint parameters, comparing rdflib terms
    one by one: a large share of its time on this project (benchmarks/README.md). The
    list is replaced, in this process only, by one that answers membership from a set;
    nothing else changes.
    """
    import pyshacl.constraints as constraints
    import pyshacl.shape as shape

    parameters = getattr(constraints, "ALL_CONSTRAINT_PARAMETERS", None)
    if not isinstance(parameters, list) or isinstance(parameters, _IndexedList):
        return  # another pySHACL version, or already done
    indexed = _IndexedList(parameters)
    constraints.ALL_CONSTRAINT_PARAMETERS = indexed
    # pySHACL keeps its own reference once it has validated something.
    cached = getattr(shape, "CONSTRAINT_PARAMS", None)
    if isinstance(cached, tuple) and cached and cached[0] is parameters:
        shape.CONSTRAINT_PARAMS = (indexed, *cached[1:])  # type: ignore[attr-defined]


def _share_out(top: list[Node], data: Graph, shapes: Graph, processes: int) -> list[list[Node]]:
    """Groups of shapes of about equal work: focus nodes times constraints, greedily."""
    from d4sme_kg.sparql_constraints import focus_nodes

    def cost(shape: Node) -> int:
        constraints = len(set(shapes.predicate_objects(shape))) + 4 * len(
            list(shapes.objects(shape, SH.property))
        )
        return max(1, len(focus_nodes(data, shapes, shape))) * constraints

    groups: list[list[Node]] = [[] for _ in range(processes)]
    loads = [0] * processes
    for shape in sorted(top, key=lambda s: (-cost(s), str(s))):
        lightest = loads.index(min(loads))
        groups[lightest].append(shape)
        loads[lightest] += cost(shape)
    return [group for group in groups if group]


def _only(shapes: Graph, keep: list[Node]) -> Graph:
    """``shapes`` with the targets of every top-level shape outside ``keep`` taken away.

    Only called in a forked process, whose copy of the graph is its own: the few target
    triples are removed in place rather than every other triple copied.
    """
    kept = set(keep)
    for target in _TARGETS:
        for shape, value in list(shapes.subject_objects(target)):
            if shape not in kept:
                shapes.remove((shape, target, value))
    return shapes


def _child(
    sender: Connection, data: Graph, shapes: Graph, group: list[Node], advanced: bool
) -> None:
    try:
        # The subset is made here, in parallel with the other processes.
        conforms, report = _validate(data, _only(shapes, group), advanced)
        # N-Triples through pyoxigraph keep blank-node labels, so sh:sourceShape still
        # names the parent's own shape nodes after the merge.
        payload = report.serialize(format="nt", encoding="utf-8")
        sender.send({"conforms": conforms, "report": payload})
    except ShapesError as error:
        sender.send({"error": str(error)})
    finally:
        sender.close()


def _merge(outcomes: list[tuple[bool, bytes]]) -> tuple[bool, Graph]:
    from d4sme_kg.loading import add_oxigraph_triples

    merged = Graph()
    summary = BNode()
    merged.add((summary, RDF.type, SH.ValidationReport))
    conforms = all(ok for ok, _ in outcomes)
    merged.add((summary, SH.conforms, Literal(conforms)))
    for _, payload in outcomes:
        part = add_oxigraph_triples(Graph(), ox.parse(payload, format=ox.RdfFormat.N_TRIPLES))
        reports = set(part.subjects(RDF.type, SH.ValidationReport))
        for s, p, o in part:
            if s in reports:
                if p == SH.result:
                    merged.add((summary, p, o))
                continue
            merged.add((s, p, o))
    return conforms, merged


__all__ = ["run_pyshacl", "start_pyshacl"]
