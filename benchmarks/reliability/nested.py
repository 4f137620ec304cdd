"""Every construct that nests, and long flat runs, built ``n`` levels deep.

The engine parses and evaluates by recursion, so depth is what ends a process that
does not bound it. Each construct is one kind of text:

- an expression (sent as ``SELECT (E AS ?x) {}``, and as an update that BINDs it);
- a group graph pattern (``SELECT * WHERE G``; an update's WHERE);
- a property path (``?s P ?o``);
- a triple block with nested terms (``SELECT * { T }``; ``INSERT DATA { T }``);
- raw text, sent as it is (runs of ``<``, unclosed brackets).

Besides the nesting the server counts, some runs are flat (triple patterns, ``;`` and
``,`` lists, IN lists, VALUES rows): they are not counted as nesting, so they reach the
engine at any length the length limit allows, and it must cope with them too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

P = "<urn:x-reliability:p>"
S = "<urn:x-reliability:s>"
O_ = "<urn:x-reliability:o>"


@dataclass(frozen=True)
class Construct:
    name: str
    kind: str  # "expression", "pattern", "path", "triples" or "raw"
    build: Callable[[int], str]

    def query(self, n: int) -> str:
        core = self.build(n)
        if self.kind == "expression":
            return f"SELECT (\n{core}\n AS ?x) {{}}"
        if self.kind == "pattern":
            return f"SELECT * WHERE {core}"
        if self.kind == "path":
            return f"SELECT * {{ ?s {core} ?o }} LIMIT 1"
        if self.kind == "triples":
            return f"SELECT * {{ {core} }} LIMIT 1"
        return core

    def update(self, n: int) -> str:
        core = self.build(n)
        if self.kind == "expression":
            return f"INSERT {{ {S} {P} ?x }} WHERE {{ BIND(\n{core}\n AS ?x) FILTER(false) }}"
        if self.kind == "pattern":
            return f"DELETE {{ {S} {P} {O_} }} WHERE {core}"
        if self.kind == "path":
            return f"DELETE {{ {S} {P} {O_} }} WHERE {{ ?s {core} ?o }}"
        if self.kind == "triples":
            return f"DELETE WHERE {{ {core} }}"
        return "INSERT DATA { " + core


def _wrap(opening: str, inner: str, closing: str) -> Callable[[int], str]:
    return lambda n: opening * n + inner + closing * n


def _chain(item: str, joiner: str, last: str = "") -> Callable[[int], str]:
    return lambda n: (item + joiner) * n + (last or item)


def _group(repeated: Callable[[int], str]) -> Callable[[int], str]:
    """``n`` group elements one after the other in one group (each may use its number)."""
    return lambda n: "{ " + "".join(repeated(i) for i in range(n)) + "}"


def _quoted(n: int) -> str:
    """A triple term quoted ``n`` times over, as the subject of a pattern."""
    return "<< " * n + f"{S} {P} {O_} >>" + f" {P} {O_} >>" * (n - 1) + f" {P} ?o"


CONSTRUCTS = [
    # expressions
    Construct("STR()", "expression", _wrap("STR(", '"x"', ")")),
    Construct("CONCAT()", "expression", _wrap('CONCAT("a",', '"x"', ")")),
    Construct("IF()", "expression", _wrap("IF(true,", "1", ",0)")),
    Construct("( )", "expression", _wrap("(", "1", ")")),
    Construct("COALESCE()", "expression", _wrap("COALESCE(?u,", "1", ")")),
    Construct("+ chain", "expression", _chain("1", "+")),
    Construct("* chain", "expression", _chain("1", "*")),
    Construct("-( )", "expression", _wrap("-(", "1", ")")),
    Construct("&& chain", "expression", _chain("true", "&&")),
    Construct("|| chain", "expression", _chain("false", "||", "true")),
    Construct("! prefix", "expression", lambda n: "!" * n + "true"),
    Construct("! ( )", "expression", _wrap("!(", "true", ")")),
    Construct("IN nested", "expression", _wrap("1 IN (", "1", ")")),
    Construct("EXISTS expr", "expression", _wrap("EXISTS { FILTER(", "true", ") }")),
    # group graph patterns
    Construct("{ }", "pattern", _wrap("{", "", "}")),
    Construct("FILTER EXISTS", "pattern", _wrap("{ FILTER EXISTS ", "{}", " }")),
    Construct("FILTER NOT EXISTS", "pattern", _wrap("{ FILTER NOT EXISTS ", "{}", " }")),
    Construct("UNION chain", "pattern", lambda n: "{ " + "{} UNION " * n + "{} }"),
    Construct("UNION nested", "pattern", _wrap("{ {} UNION ", "{}", " }")),
    Construct("MINUS chain", "pattern", lambda n: "{ {} " + "MINUS {} " * n + "}"),
    Construct("MINUS nested", "pattern", _wrap("{ {} MINUS ", "{}", " }")),
    Construct("OPTIONAL chain", "pattern", _group(lambda i: f"OPTIONAL {{ {S} {P} ?o }} ")),
    Construct("OPTIONAL nested", "pattern", _wrap("{ OPTIONAL ", "{}", " }")),
    Construct("sub-SELECT", "pattern", _wrap("{ SELECT * WHERE ", "{}", " }")),
    Construct("GRAPH nested", "pattern", _wrap("{ GRAPH ?g ", "{}", " }")),
    Construct("SERVICE nested", "pattern", _wrap("{ SERVICE <urn:x-reliability:e> ", "{}", " }")),
    Construct("FILTER chain", "pattern", _group(lambda i: "FILTER(true) ")),
    Construct("BIND chain", "pattern", _group(lambda i: f"BIND({i} AS ?v{i}) ")),
    Construct("VALUES rows", "pattern", lambda n: "{ VALUES ?v { " + "1 " * n + "} }"),
    Construct("triple patterns", "pattern", _group(lambda i: f"?v{i} {P} ?v{i + 1} . ")),
    # property paths
    Construct("path ( )", "path", _wrap("(", P, ")")),
    Construct("path / chain", "path", _chain(P, "/")),
    Construct("path | chain", "path", _chain(P, "|")),
    Construct("path (^ )", "path", _wrap("^(", P, ")")),
    Construct("path * nested", "path", _wrap("(", P, ")*")),
    Construct("path ? nested", "path", _wrap("(", P, ")?")),
    # triples with nested terms
    Construct("collection", "triples", lambda n: "(" * n + ")" * n + f" {P} ?o"),
    Construct("collection of items", "triples", lambda n: "(" + " 1" * n + f" ) {P} ?o"),
    Construct("[ ] lists", "triples", lambda n: f"?s {P} " + f"[ {P} " * n + "?o" + " ]" * n),
    Construct("<< >>", "triples", _quoted),
    Construct("; list", "triples", lambda n: f"?s {P} ?o" + f" ; {P} ?o" * n),
    Construct(", list", "triples", lambda n: f"?s {P} ?o" + ", ?o" * n),
    # raw text
    Construct("run of <", "raw", lambda n: "SELECT * {" + "<" * n),
    Construct("run of (", "raw", lambda n: "SELECT * { FILTER" + "(" * n),
    Construct("run of {", "raw", lambda n: "SELECT * " + "{" * n),
    Construct("run of [", "raw", lambda n: "SELECT * { ?s ?p " + "[" * n),
    Construct("run of <<", "raw", lambda n: "SELECT * { " + "<<" * n),
    Construct("run of \"", "raw", lambda n: "SELECT * { ?s ?p " + '"' * n + " }"),
    Construct("run of PREFIX", "raw", lambda n: "PREFIX a: <urn:a:> " * n + "ASK {}"),
]  # fmt: skip

#: The depths every construct is sent at, besides the deepest the server lets through.
DEPTHS = (1_000, 10_000, 50_000)
