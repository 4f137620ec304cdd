"""Evaluate one SPARQL request on a pyoxigraph store and serialise the answer.

This code runs inside an evaluator process (see :mod:`d4sme_kg.store.pool`), so a
query that runs too long can be stopped by ending the process.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

import pyoxigraph as ox

from d4sme_kg.results import Solutions, Term, serialize_solutions

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


class EngineError(Exception):
    """A request the engine refuses; ``kind`` names the error class for the caller."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def evaluate(store: ox.Store, request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request dict; the reply is a dict with ``body`` or raises EngineError."""
    operation = request["op"]
    if operation == "query":
        return _query(store, request)
    if operation == "update":
        _guard(lambda: store.update(request["text"]), "syntax")
        return {"ok": True}
    if operation == "apply":
        # Changes travel as N-Quads bytes: plain data that crosses the process boundary.
        for quad in ox.parse(request["remove"], format=ox.RdfFormat.N_QUADS):
            store.remove(quad)
        store.extend(ox.parse(request["add"], format=ox.RdfFormat.N_QUADS))
        return {"ok": True}
    if operation == "dump":
        return {"body": store.dump(format=ox.RdfFormat.N_QUADS)}
    if operation == "graphs":
        return {"graphs": sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)),
                "size": len(store)}
    raise EngineError("internal", f"unknown operation {operation!r}")


def _query(store: ox.Store, request: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"prefixes": request.get("prefixes") or None}
    if request.get("default_graphs"):
        # "" names the store's own default graph (Graph Store Protocol ?default).
        options["default_graph"] = [
            ox.NamedNode(g) if g else ox.DefaultGraph() for g in request["default_graphs"]
        ]
    else:
        options["use_default_graph_as_union"] = True
    if request.get("named_graphs"):
        options["named_graphs"] = [ox.NamedNode(g) for g in request["named_graphs"]]
    if request.get("bindings"):
        options["substitutions"] = {ox.Variable(k): _to_ox(v) for k, v in request["bindings"].items()}
    result = _guard(lambda: store.query(request["text"], **options), "syntax")
    limit = int(request["max_rows"])
    if isinstance(result, ox.QueryBoolean):
        solutions = Solutions((), (), bool(result))
        return {"kind": "boolean", "body": serialize_solutions(solutions, request["result_format"])}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = _guard(lambda: list(islice(result, limit + 1)), "evaluation")
        if len(rows) > limit:
            raise EngineError("too_many_rows", f"the result has more than {limit} rows")
        converted = [
            {name: _term(value) for name in variables if (value := row[name]) is not None}
            for row in rows
        ]
        body = serialize_solutions(Solutions(variables, converted), request["result_format"])
        return {"kind": "solutions", "body": body, "rows": len(rows)}
    triples = _guard(lambda: list(islice(result, limit + 1)), "evaluation")
    if len(triples) > limit:
        raise EngineError("too_many_rows", f"the result has more than {limit} triples")
    body = ox.serialize(triples, format=RDF_FORMATS[request["graph_format"]],
                        prefixes=request.get("prefixes") or None)
    return {"kind": "graph", "body": body, "rows": len(triples)}


def _guard(action: Any, kind: str) -> Any:
    try:
        return action()
    except SyntaxError as error:
        raise EngineError("syntax", str(error)) from None
    except (OSError, ValueError, RuntimeError, TypeError) as error:
        raise EngineError(kind if kind != "syntax" else "evaluation", str(error)) from None


def _term(value: Any) -> Term:
    if isinstance(value, ox.NamedNode):
        return ("uri", value.value)
    if isinstance(value, ox.BlankNode):
        return ("bnode", value.value)
    if isinstance(value, ox.Literal):
        language = value.language
        return ("literal", value.value, value.datatype.value, language)
    return ("triple", _term(value.subject), _term(value.predicate), _term(value.object))


def _to_ox(term: Term) -> Any:
    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return ox.BlankNode(term[1])
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))
