"""Queries a parser and an engine may choke on: mutations of real ones, and deep nesting.

The mutations start from real queries (the project's named queries and, where present,
the W3C SPARQL 1.1 test queries), cut into SPARQL tokens, then changed a few tokens at
a time: deleted, duplicated, swapped; brackets, operators and keywords inserted; odd
unicode, NULs and bytes that are not UTF-8; huge numbers, odd IRIs and strings; BASE
and PREFIX declarations that redefine or break things; FILTERs and BINDs with functions
at the edge of their domains. Most results no longer parse, which is the point: the
parser's error paths get as much traffic as its happy path. Everything follows from
one seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Whole SPARQL tokens, so that a mutation changes a token rather than half of one.
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\s]*>)
    | (?P<var>[?$]\w+)
    | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<pname>[\w-]*:[\w.\-%:]*)
    | (?P<word>[A-Za-z_]\w*)
    | (?P<other>\^\^|\|\||&&|!=|<=|>=|\S)
    """,
    re.VERBOSE,
)

BRACKETS = ["(", ")", "{", "}", "[", "]", "<<", ">>", "((", "}}", "{{", "))"]
OPERATORS = [
    "+", "-", "*", "/", "||", "&&", "!", "=", "!=", "<", ">", "<=", ">=", "^", "^^", "|", "?",
    ".", ";", ",", "@", "a", "IN", "NOT", "NOT IN", "*/", "|^",
]  # fmt: skip
KEYWORDS = [
    "SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED", "OPTIONAL", "UNION",
    "MINUS", "FILTER", "GRAPH", "SERVICE", "SILENT", "VALUES", "BIND", "EXISTS", "NOT",
    "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "DISTINCT", "REDUCED",
    "AS", "UNDEF", "true", "false", "INSERT", "DELETE", "DATA", "LOAD", "CLEAR", "DROP",
    "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING", "DEFAULT", "ALL", "BASE", "PREFIX",
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG",
    "DATATYPE", "IRI", "BNODE", "REGEX", "REPLACE", "SUBSTR", "CONCAT", "COALESCE", "IF",
    "TRIPLE",
]  # fmt: skip
UNICODE = [
    "é", "카카오", "𝔘𝔫𝔦", "\u202e", "\ufeff", "\u200d", "\u2028", "\u0085", "\u0301\u0301",
    "\U0010ffff", "\ufffd", "\ud800", "\udfff", "🙂", "\u00a0", "ｓｅｌｅｃｔ",
]  # fmt: skip
CONTROL = ["\x00", "\x00\x00\x00", "\x01", "\x1b[31m", "\x7f", "\r", "\x0b", "\x08"]
NUMBERS = [
    "9" * 30, "9" * 400, "9" * 5000, "1e999999", "-1e-999999", "1." + "0" * 2000 + "1",
    "18446744073709551616", "-9223372036854775809", "0.0e-0", "+-1", "1e", ".e1", "0x1F",
    "NaN", "INF", '"NaN"^^<http://www.w3.org/2001/XMLSchema#double>',
    '"99999999999999999999999999"^^<http://www.w3.org/2001/XMLSchema#int>',
]  # fmt: skip
IRIS = [
    "<>", "<#>", "<http://[>", "<http://[::1>", "<javascript:alert(1)>",
    "<file:///etc/passwd>", "<http://127.0.0.1:1/sparql>", "<urn:x:é>", "<a b>", "<\\u0000>",
    "<\\U0010FFFF>", "<\\uD800>", "<http://example.org/%zz>", "<" + "x" * 20000 + ">",
    "<http://example.org/" + "a/" * 3000 + ">", "<:>", "<//>", "<http://a/../../../..>",
    "<https://w3id.org/d4sme-kg/id/kakao>", "<https://w3id.org/d4sme-kg/graph/data>",
]  # fmt: skip
STRINGS = [
    '""', '"\\u0000"', '"\\uD800"', '"\\U0010FFFF"', '"\\U00110000"', '"unterminated',
    '"x"@' + "a" * 300, '"x"@-', '"x"^^<urn:odd>', '"x"^^xsd:unknown', '"' + "y" * 50000 + '"',
    '"""' + "\n" * 2000 + '"""', "'\\''", '"\\q"', '"카카오"@ko', '"2019-13-45"^^xsd:date',
    '"--0"^^xsd:gDay', '"1"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>',
]  # fmt: skip
DECLARATIONS = [
    "BASE <http://[>", "BASE <>", "BASE <file:///>", "BASE <relative>", "BASE <urn:x:y>",
    "PREFIX : <>", "PREFIX rdfs: <javascript:>", "PREFIX kg: <http://[>",
    "PREFIX xsd: <http://www.w3.org/2000/01/rdf-schema#>", "PREFIX 카: <urn:k:>",
    "PREFIX : <http://example.org/> PREFIX : <urn:other:>", "PREFIX a: <b:> " * 500,
    "BASE <http://example.org/> " * 300, "PREFIX p:<x>", "PREFIX : <\\u0000>",
]  # fmt: skip
EXPRESSIONS = [
    'REGEX(STR(?s), "(a+)+$")', 'REGEX("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "(a|a)*b", "i")',
    'REGEX("x", "[")', 'REPLACE(STR(?s), "", "x")', 'SUBSTR("abc", 9999999999999, -1)',
    'SUBSTR("abc", -9223372036854775808)', "STRDT(\"x\", <urn:t>)", 'STRLANG("x", "")',
    'xsd:dateTime("2019-13-45T99:99:99")', 'xsd:integer("1e999")', 'xsd:double("1e999")',
    "ABS(\"a\")", "1/0", "0/0", "1.0/0", "-(-(-9223372036854775808))", "9223372036854775807+1",
    'STRLEN(CONCAT("a", "b"))', "BNODE(STR(?s))", "UUID()", "STRUUID()", "NOW()", "RAND()",
    'SHA512(STR(?s))', 'ENCODE_FOR_URI("\\u0000")', 'LANGMATCHES(LANG(?s), "*")',
    'IRI("http://[")', 'IRI("")', 'URI(" ")', "COALESCE()", "IF(?unbound, 1, 2)",
    'TZ(NOW())', 'LCASE("İ")', 'UCASE("ß")', 'STRBEFORE("a", "")', 'CONTAINS("", "")',
    "?s IN ()", "?s NOT IN (?s, ?s)", "TRIPLE(?s, ?s, ?s)", "isTRIPLE(?s)", "BOUND(?nope)",
]  # fmt: skip


def corpus(extra: Path | None = None) -> list[str]:
    """The real queries the mutations start from, in a fixed order."""
    folders = [ROOT / "queries", extra or ROOT.parent / "shared" / "w3c"]
    texts = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*.rq")):
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def tokens(text: str) -> list[str]:
    return [match.group() for match in _TOKEN.finditer(text)]


def join(parts: list[str]) -> str:
    # A comment runs to the end of its line: only a newline ends it.
    return "".join(part + ("\n" if part.startswith("#") else " ") for part in parts)


def mutate(text: str, rng: random.Random) -> str:
    """``text`` with one to four mutations applied."""
    parts = tokens(text) or [text]
    for _ in range(rng.randint(1, 4)):
        parts = rng.choice(_MUTATIONS)(parts, rng)
        if not parts:
            parts = [rng.choice(KEYWORDS)]
    return join(parts)


def _at(parts: list[str], rng: random.Random) -> int:
    return rng.randrange(len(parts) + 1)


def _insert(choices: list[str]) -> Callable[[list[str], random.Random], list[str]]:
    def insert(parts: list[str], rng: random.Random) -> list[str]:
        at = _at(parts, rng)
        return parts[:at] + [rng.choice(choices)] + parts[at:]

    return insert


def _replace(pattern: str, choices: list[str]) -> Callable[[list[str], random.Random], list[str]]:
    """Replace one token matching ``pattern`` (or insert, when none does)."""
    compiled = re.compile(pattern)

    def replace(parts: list[str], rng: random.Random) -> list[str]:
        places = [i for i, part in enumerate(parts) if compiled.fullmatch(part)]
        if not places:
            return _insert(choices)(parts, rng)
        at = rng.choice(places)
        return parts[:at] + [rng.choice(choices)] + parts[at + 1 :]

    return replace


def _delete(parts: list[str], rng: random.Random) -> list[str]:
    at = rng.randrange(len(parts))
    return parts[:at] + parts[at + rng.randint(1, 5) :]


def _duplicate(parts: list[str], rng: random.Random) -> list[str]:
    at = rng.randrange(len(parts))
    span = parts[at : at + rng.randint(1, 6)]
    return parts[:at] + span * rng.choice([2, 3, 50]) + parts[at:]


def _swap(parts: list[str], rng: random.Random) -> list[str]:
    i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
    swapped = list(parts)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    return swapped


def _declare(parts: list[str], rng: random.Random) -> list[str]:
    return tokens(rng.choice(DECLARATIONS)) + parts


def _in_group(parts: list[str], rng: random.Random) -> list[str]:
    """A FILTER or BIND with an odd expression, right after an opening brace."""
    braces = [i for i, part in enumerate(parts) if part == "{"] or [len(parts) - 1]
    at = rng.choice(braces) + 1
    expression = rng.choice(EXPRESSIONS)
    if rng.random() < 0.5:
        added = f"FILTER({expression})"
    else:
        added = f"BIND({expression} AS ?z{rng.randrange(100)})"
    return parts[:at] + tokens(added) + parts[at:]


def _modifiers(parts: list[str], rng: random.Random) -> list[str]:
    tail = rng.choice(
        [
            f"LIMIT {rng.choice(NUMBERS)}",
            f"OFFSET {rng.choice(NUMBERS)}",
            "LIMIT -1",
            f"ORDER BY {rng.choice(EXPRESSIONS)}",
            "GROUP BY ?s HAVING(COUNT(*) > 1)",
            "VALUES ?s { UNDEF <urn:a> " + "UNDEF " * 300 + "}",
        ]
    )
    return parts + tokens(tail)


def _cut(parts: list[str], rng: random.Random) -> list[str]:
    return parts[: rng.randrange(len(parts))]


def _repeat(parts: list[str], rng: random.Random) -> list[str]:
    return parts * rng.choice([2, 3, 20])


def _split_token(parts: list[str], rng: random.Random) -> list[str]:
    """Cut one token in two: half an IRI, a string without its end."""
    at = rng.randrange(len(parts))
    word = parts[at]
    if len(word) < 2:
        return parts
    middle = rng.randrange(1, len(word))
    return parts[:at] + [word[:middle], word[middle:]] + parts[at + 1 :]


_MUTATIONS: list[Callable[[list[str], random.Random], list[str]]] = [
    _delete,
    _delete,
    _duplicate,
    _swap,
    _swap,
    _insert(BRACKETS),
    _insert(OPERATORS),
    _insert(KEYWORDS),
    _insert(UNICODE),
    _insert(CONTROL),
    _replace(r"\d.*", NUMBERS),
    _replace(r"<.*>", IRIS),
    _replace(r"[\"'].*", STRINGS),
    _replace(r"[?$]\w+", ["?", "$", "?é", "?" + "v" * 5000, "?0", "?_", "$?x"]),
    _declare,
    _in_group,
    _in_group,
    _modifiers,
    _cut,
    _repeat,
    _split_token,
]
