"""The text a remote store is sent, and the graph a CONSTRUCT answer is built into.

The local engine gets the service's prefixes, the BASE and the parameters as options;
a remote one gets text only. So its text declares the prefixes it uses and the BASE,
on the query's first line (the line numbers of a syntax error stay the query's own),
and each parameter is written in place of its variable, as the local engine
substitutes it: everywhere, nested groups included, and kept as a column of the
answer (``SELECT (<iri> AS ?entity)``). Terms are written only through
:mod:`d4sme_kg.linking.terms`, which escapes every literal and refuses any IRI that
could break out of its brackets.

A CONSTRUCT is sent as the SELECT of its template's variables and its template is
filled in here, with pyoxigraph reading the template: the SELECT answer says when a
remote store cut it (Virtuoso's ``X-SPARQL-MaxRows``), a graph answer never does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from d4sme_kg.errors import QueryError
from d4sme_kg.linking import terms
from d4sme_kg.results import XSD_STRING, Term
from d4sme_kg.sparql import positioned_tokens

_FORMS = frozenset(("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"))
#: Words that end the solution modifiers GROUP BY / ORDER BY.
_AFTER_MODIFIER = frozenset(("HAVING", "LIMIT", "OFFSET", "VALUES", "ORDER", "GROUP", "SELECT"))


def prologue(prefixes: Mapping[str, str], base_iri: str | None = None) -> str:
    """``BASE <…> PREFIX p: <…> …`` on one line, ending in a space (no newline)."""
    declarations = [f"BASE {terms.iri(base_iri)}"] if base_iri else []
    declarations += [f"PREFIX {name}: {terms.iri(iri)}" for name, iri in prefixes.items()]
    return "".join(declaration + " " for declaration in declarations)


def written(name: str, term: Term) -> str:
    """``term`` in SPARQL syntax; a QueryError for what text cannot carry to a remote."""
    kind = term[0]
    if kind == "uri":
        return terms.iri(term[1])
    if kind == "literal":
        lexical, datatype, language = term[1], term[2], term[3]
        if language:
            return terms.literal(lexical, lang=language)
        if not datatype or datatype == XSD_STRING:
            return terms.literal(lexical)
        return terms.literal(lexical, datatype=datatype)
    raise QueryError(
        f"parameter {name}: a {'blank node' if kind == 'bnode' else 'quoted triple'} "
        "cannot be sent to a remote store"
    )


def bind_in_text(text: str, bindings: Mapping[str, Term]) -> str:
    """``text`` with each bound variable replaced by its value, as the engine binds it.

    The value is written wherever the variable stands in the pattern, nested groups
    and subqueries included. A SELECT keeps the variable as a column, as the local
    engine does: its projection and solution modifiers keep ``?v``, which a
    ``BIND(value AS ?v)`` at the end of its WHERE clause sets (a constant there
    would not do: Virtuoso reads ``GROUP BY (11)`` as the eleventh column). A
    subquery's projection leaves the variable out, its GROUP BY and ORDER BY get
    ``(value)``. A parameter the query assigns itself (``AS ?v``, ``VALUES ?v``)
    cannot be bound.
    """
    if not bindings:
        return text
    values = {name: written(name, term) for name, term in bindings.items()}
    pieces: list[str] = []
    last = paren = braces = 0
    outer = "before"  # of the outermost SELECT: projection, dataset, where, after
    outer_paren = 0
    projection: _Projection | None = None  # a subquery's
    modifier: int | None = None  # the paren depth of a subquery's GROUP BY / ORDER BY
    previous = ""  # the last token, words in upper case
    values_clause = False
    tokens = positioned_tokens(text)
    used = dict.fromkeys(t[1][1:] for t in tokens if t[0] == "var" and t[1][1:] in values)
    for kind, token, start in tokens:
        if kind == "comment":
            continue
        word = token.upper() if kind == "word" else ""
        depth = paren  # the depth the token stands at
        paren += (token == "(") - (token == ")")
        in_projection = projection is not None and depth == projection.paren
        replacement: str | None = None
        if token in ("{", "}"):
            if projection is not None:
                projection.close()
            projection, modifier, values_clause = None, None, False
            if token == "{":
                outer = "where" if outer in ("projection", "dataset") else outer
                braces += 1
            else:
                braces -= 1
                if outer == "where" and braces == 0:
                    outer = "after"
                    binds = "".join(f"BIND({values[n]} AS ?{n}) " for n in used)
                    pieces.append(text[last:start] + binds)
                    last = start
        elif word == "SELECT":
            if outer == "before" and braces == 0:
                outer, outer_paren = "projection", paren
            else:
                projection = _Projection(paren)
        elif word in ("WHERE", "FROM") and outer == "projection" and depth == outer_paren:
            outer = "dataset"
        elif word == "BY" and previous in ("GROUP", "ORDER") and braces > 0:
            modifier = paren
        elif word in _AFTER_MODIFIER:
            modifier = None
        values_clause = values_clause or word == "VALUES"
        if kind == "var" and token[1:] in values:
            name = token[1:]
            if previous == "AS" or values_clause:
                raise QueryError(f"the query assigns ?{name} itself; it cannot be a parameter")
            if outer == "after" or (outer == "projection" and depth == outer_paren):
                replacement = None  # the outermost SELECT's column, set by the BIND
            elif in_projection and projection is not None:
                projection.dropped += 1
                replacement = ""
            elif modifier == depth:
                replacement = f"({values[name]})"
            else:
                replacement = values[name]
        elif in_projection and projection is not None and (kind == "var" or token == "("):
            projection.kept += 1
        if replacement is not None:
            pieces.append(text[last:start])
            pieces.append(replacement)
            last = start + len(token)
        previous = word or token
    pieces.append(text[last:])
    return "".join(pieces)


@dataclass
class _Projection:
    """A subquery's projection being read: where it stands and what it keeps."""

    paren: int
    kept: int = 0
    dropped: int = 0

    def close(self) -> None:
        if self.dropped and not self.kept:
            raise QueryError(
                "a subquery projects parameters only; it cannot be sent to a remote store"
            )


@dataclass(frozen=True)
class Construct:
    """A CONSTRUCT split in two: the SELECT the remote answers, the template filled here."""

    select: str
    #: ``CONSTRUCT {template} WHERE {}`` with the query's prologue, for pyoxigraph to read.
    template: str
    variables: list[str]


def split_construct(text: str) -> Construct | None:
    """``text`` as a :class:`Construct`; None for any other form (or text not understood)."""
    tokens = [t for t in positioned_tokens(text) if t[0] != "comment"]
    index = next(
        (
            i
            for i, (kind, token, _) in enumerate(tokens)
            if kind == "word" and token.upper() in _FORMS
        ),
        None,
    )
    if index is None or tokens[index][1].upper() != "CONSTRUCT":
        return None
    start = tokens[index][2]
    head = text[:start]
    after = index + 1
    if after >= len(tokens):
        return None
    short = tokens[after][1].upper() == "WHERE"
    opening = after + 1 if short else after
    closing = _matching_brace(tokens, opening)
    if closing is None:
        return None
    open_at, close_at = tokens[opening][2], tokens[closing][2] + 1
    template = text[open_at:close_at]
    variables = list(dict.fromkeys(t[1][1:] for t in tokens[opening:closing] if t[0] == "var"))
    projection = " ".join(f"?{v}" for v in variables) or "*"
    rest = text[tokens[after][2] :] if short else text[close_at:]
    return Construct(
        f"{head}SELECT {projection} {rest}",
        f"{head}CONSTRUCT {template} WHERE {{}}",
        variables,
    )


def _matching_brace(tokens: Sequence[tuple[str, str, int]], opening: int) -> int | None:
    if opening >= len(tokens) or tokens[opening][1] != "{":
        return None
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index][1] == "{":
            depth += 1
        elif tokens[index][1] == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def fill_template(construct: Construct, rows: Iterable[Mapping[str, Term]]) -> list[ox.Triple]:
    """The triples of the template for each row, as SPARQL 1.1 §16.2 builds them.

    A triple with an unbound variable, a literal subject or a predicate that is not an
    IRI is left out; each blank node of the template is a new one for every row; the
    remote's blank nodes keep their identity across the rows of one answer.
    """
    marker = f"urn:uuid:{uuid.uuid4()}:"
    placeholders = {ox.NamedNode(marker + v): v for v in construct.variables}
    try:
        answer = ox.Store().query(
            construct.template,
            substitutions={ox.Variable(v): p for p, v in placeholders.items()},
        )
    except SyntaxError as error:
        raise QueryError(f"the CONSTRUCT template does not parse: {error}") from None
    assert isinstance(answer, ox.QueryTriples)  # a CONSTRUCT's answer
    pattern = list(answer)
    remote_nodes: dict[str, ox.BlankNode] = {}
    found: dict[ox.Triple, None] = {}
    for row in rows:
        fresh: dict[ox.BlankNode, ox.BlankNode] = {}
        for triple in pattern:
            parts = [
                _instance(part, row, placeholders, fresh, remote_nodes)
                for part in (triple.subject, triple.predicate, triple.object)
            ]
            subject, predicate, value = parts
            if (
                isinstance(subject, (ox.NamedNode, ox.BlankNode, ox.Triple))
                and isinstance(predicate, ox.NamedNode)
                and value is not None
            ):
                found[ox.Triple(subject, predicate, value)] = None
    return list(found)


def _instance(
    part: Any,
    row: Mapping[str, Term],
    placeholders: Mapping[ox.NamedNode, str],
    fresh: dict[ox.BlankNode, ox.BlankNode],
    remote_nodes: dict[str, ox.BlankNode],
) -> Any:
    if isinstance(part, ox.NamedNode) and part in placeholders:
        term = row.get(placeholders[part])
        return None if term is None else to_oxigraph(term, remote_nodes)
    if isinstance(part, ox.BlankNode):
        return fresh.setdefault(part, ox.BlankNode())
    if isinstance(part, ox.Triple):
        inner = [
            _instance(p, row, placeholders, fresh, remote_nodes)
            for p in (part.subject, part.predicate, part.object)
        ]
        if None in inner:
            return None
        try:
            return ox.Triple(*inner)
        except TypeError:
            return None
    return part


def to_oxigraph(term: Term, blank_nodes: dict[str, ox.BlankNode]) -> Any:
    """A remote answer's term as a pyoxigraph term (its blank nodes mapped to new ones)."""
    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return blank_nodes.setdefault(term[1], ox.BlankNode())
    if kind == "triple":
        return ox.Triple(*(to_oxigraph(t, blank_nodes) for t in term[1:]))
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2] or XSD_STRING))
