"""A light reading of a SPARQL request: its form and what it reaches for, before evaluation.

The engine (pyoxigraph) parses for real and reports syntax errors; this module only
finds what the safety rules and content negotiation need, quickly: the query form,
``SERVICE`` targets, ``FROM``/``FROM NAMED`` graphs and the update operations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)

# The pieces the patterns below share: the characters an IRI may not hold, and the
# prefix of a prefixed name. The prefix is possessive (*+): giving characters back
# could never put the ':' after it, and a bare word fails the prefixed-name branch at
# once instead of once per character.
_NOT_IRI = r"""<>"{}|^`\\\x00-\x20"""
_PREFIX = r"(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*+)?"

# One token after any whitespace; the commonest kinds are tried first (a prefixed
# name before a bare word, which it extends).
_TOKEN = re.compile(
    rf"""
    \s*
    (?:
    (?P<iri><[^{_NOT_IRI}]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>{_PREFIX}:
              (?:[\w\-:%.\\\u00c0-\uffff]*[\w\-:%\\\u00c0-\uffff])?)
  | (?P<word>[A-Za-z_][\w\-]*)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<other>\S)
    )
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Analysis:
    """What a SPARQL query or update reaches for."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    operations: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    service_variables: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    #: For ``SELECT *``: the variables in the order they first appear, which is the
    #: column order clients expect (pyoxigraph sorts them by name); else empty.
    star_order: list[str] = field(default_factory=list)
    #: Prefixes the text uses without declaring them (the server's own may fill in).
    undeclared_prefixes: set[str] = field(default_factory=set)
    #: An upper bound on how deeply the engine will recurse for this text (see _depth);
    #: 0 when the text is too short to come near MAX_NESTING.
    depth: int = 0
    #: Where the text first nests past the limit: (line, column), both from 1.
    too_deep_at: tuple[int, int] | None = None
    #: Where calls of SUBSTR, REGEX or REPLACE first nest past MAX_OPTIONAL_CALLS
    #: within one another (line, column), if they do.
    optional_calls_at: tuple[int, int] | None = None

    @property
    def is_update(self) -> bool:
        return self.form == "UPDATE"


# A PREFIX declaration (or a comment) of the prologue, read in one match: most queries
# open with several, and they are a good part of a short query's tokens.
_DECLARATION = re.compile(
    rf"""\s*(?:(?ai:PREFIX)\s+
              (?P<prefix>{_PREFIX}):\s*
              <(?P<iri>[^{_NOT_IRI}]*)>
          |\#[^\n\r]*)""",
    re.VERBOSE,
)

# The words the reading acts on; every other token is passed over.
_KEYWORDS = frozenset(("PREFIX", "BASE", "SERVICE", "FROM", *QUERY_FORMS, *UPDATE_OPERATIONS))


def analyse(text: str, nesting_limit: int = 0) -> Analysis:
    """Read ``text`` once; never raises (the engine reports syntax errors later).

    ``nesting_limit`` (MAX_NESTING when 0) is where ``too_deep_at`` is found.
    """
    limit = nesting_limit or MAX_NESTING
    result = Analysis()
    prefixes: dict[str, str] = {}
    used: set[str] = set()
    base = ""
    start = 0
    while declaration := _DECLARATION.match(text, start):
        if declaration["iri"] is not None:
            prefixes[declaration["prefix"]] = declaration["iri"]
        start = declaration.end()
    tokens = [(kind, value) for kind, value in _tokens(text, start) if kind != "comment"]
    if len(tokens) > limit:
        # Each level of the bound takes a token of its own: shorter texts cannot pass it.
        result.depth, past = _depth(tokens, limit)
        if past is not None:
            result.too_deep_at = _line_and_column(text, start, past)
    calls = 0
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        if kind == "word" and value.upper() in OPTIONAL_ARGUMENT_CALLS:
            calls += 1
        if kind != "word":
            if kind == "pname":
                used.add(value.partition(":")[0])
            index += 1
            continue
        upper = value.upper()
        if upper not in _KEYWORDS:
            index += 1
            continue
        if upper == "PREFIX" and index + 2 < len(tokens) and tokens[index + 2][0] == "iri":
            prefixes[tokens[index + 1][1].rstrip(":")] = _join(base, tokens[index + 2][1][1:-1])
            index += 3
            continue
        if upper == "BASE" and index + 1 < len(tokens) and tokens[index + 1][0] == "iri":
            base = _join(base, tokens[index + 1][1][1:-1])
            index += 2
            continue
        if upper in QUERY_FORMS and result.form is None:
            result.form = upper
            if upper == "SELECT":
                result.star_order = _star_order(tokens, index + 1)
        elif upper in UPDATE_OPERATIONS:
            if result.form is None:
                result.form = "UPDATE"
            if result.form == "UPDATE":
                result.operations.append(upper)
        elif upper == "SERVICE":
            target_index = index + 1
            if target_index < len(tokens) and tokens[target_index][1].upper() == "SILENT":
                target_index += 1
            if target_index < len(tokens):
                target_kind, target = tokens[target_index]
                if target_kind == "var":
                    result.service_variables.append(target)
                else:
                    result.services.append(_resolve(target_kind, target, prefixes, base))
        elif upper == "FROM" and index + 1 < len(tokens):
            named = tokens[index + 1][1].upper() == "NAMED"
            target_kind, target = (
                tokens[index + (2 if named else 1)]
                if (index + (2 if named else 1) < len(tokens))
                else ("other", "")
            )
            iri = _resolve(target_kind, target, prefixes, base)
            (result.from_named_graphs if named else result.from_graphs).append(iri)
        index += 1
    result.undeclared_prefixes = used - prefixes.keys()
    if calls > MAX_OPTIONAL_CALLS:
        past = _optional_calls_past(tokens, MAX_OPTIONAL_CALLS)
        if past is not None:
            result.optional_calls_at = _line_and_column(text, start, past)
    return result


#: The functions whose last argument is optional. pyoxigraph's parser tries the longer
#: form first and, when it fails, parses the arguments again: each such call nested in
#: another doubles the time, spent holding the GIL (about 2.6 s at 20 levels on our
#: machine, 13 s when the text is broken; measured by hand with nested SUBSTR(?s, (…))).
#: A read-only worker can neither answer nor stop meanwhile, so past this many the
#: query is refused: at 12 the parse takes some 20 ms.
OPTIONAL_ARGUMENT_CALLS = frozenset(("SUBSTR", "REGEX", "REPLACE"))
MAX_OPTIONAL_CALLS = 12


def _optional_calls_past(tokens: list[tuple[str, str]], limit: int) -> int | None:
    """The index of the first token inside more than ``limit`` optional-argument calls."""
    open_brackets: list[bool] = []
    inside = 0
    for index, (kind, value) in enumerate(tokens):
        if value == "(":
            call = (
                index > 0
                and tokens[index - 1][0] == "word"
                and tokens[index - 1][1].upper() in OPTIONAL_ARGUMENT_CALLS
            )
            open_brackets.append(call)
            inside += call
            if inside > limit:
                return index
        elif value == ")" and kind == "other" and open_brackets:
            inside -= open_brackets.pop()
    return None


#: The deepest nesting (as _depth measures it) a query or update may have. pyoxigraph
#: parses and evaluates by recursion and a deeper text overflows the native stack of
#: the thread that runs it (SIGSEGV, not an exception). benchmarks/nesting.py measures
#: what each construct survives on the engine's 64 MiB stacks (store.stacks); this is
#: well under the smallest of those, and far above what people write.
MAX_NESTING = 1000

# Tokens that add a level to the engine's syntax tree wherever they stand: operators
# (each a left-deep chain: a || b || c nests), prefixes (! - ^), and the group elements
# that wrap what comes before them in the algebra (a chain of OPTIONALs nests).
_NESTING_CHARACTERS = frozenset("|&=!<>+-*/^")
_NESTING_WORDS = frozenset(
    ("UNION", "MINUS", "OPTIONAL", "FILTER", "BIND", "VALUES", "GRAPH", "SERVICE", "SELECT")
)
_OPENING = frozenset("({[")
_CLOSING = frozenset(")}]")


def _depth(tokens: list[tuple[str, str]], limit: int = 0) -> tuple[int, int | None]:
    """An upper bound on the depth of the engine's tree for these tokens.

    Each open bracket is a level, and so is every nesting token before it at each
    enclosing level: the depth at a point is the open brackets plus the nesting tokens
    of those brackets seen so far. Inside round brackets, a term right after another
    term counts too: that is an RDF collection, ``( 1 2 3 )``, which the engine reads
    as a chain of ``rdf:rest`` (50,000 items end a 64 MiB stack), while arguments and
    ``IN`` lists are separated by commas. Counting rather than parsing keeps it a bound
    even for text that does not parse (the engine's parser recurses on that too).
    """
    counts = [0]  # nesting tokens at each open level
    round_ = [False]  # whether each open level is a round bracket
    total = deepest = 0
    past = None
    after_term = False
    for index, (kind, value) in enumerate(tokens):
        term = kind in _TERMS or (kind == "other" and value.isalnum())
        if kind == "other" and not term:
            if value in _OPENING:
                counts.append(0)
                round_.append(value == "(")
            elif value in _CLOSING:
                if len(counts) > 1:
                    total -= counts.pop()
                    round_.pop()
                after_term = True  # a collection may hold collections
                continue
            elif value in _NESTING_CHARACTERS:
                counts[-1] += 1
                total += 1
            else:
                after_term = False
                continue
        elif (kind == "word" and value.upper() in _NESTING_WORDS) or (
            term and after_term and round_[-1]
        ):
            counts[-1] += 1
            total += 1
        else:
            after_term = term
            continue
        after_term = term
        deepest = max(deepest, len(counts) - 1 + total)
        if past is None and deepest > (limit or MAX_NESTING):
            past = index
    return deepest, past


#: Token kinds that are RDF terms (a number is "other" characters, each alphanumeric).
_TERMS = frozenset(("iri", "var", "pname", "string"))


def _line_and_column(text: str, start: int, index: int) -> tuple[int, int]:
    """The position of the ``index``-th token (comments left out) read from ``start``."""
    seen = -1
    for match in _TOKEN.finditer(text, start, _end(text)):
        if match.lastgroup == "comment":
            continue
        seen += 1
        if seen == index:
            offset = match.start(match.lastgroup or 0)
            line = text.count("\n", 0, offset) + 1
            return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
    return 1, 1


def _star_order(tokens: list[tuple[str, str]], index: int) -> list[str]:
    while index < len(tokens) and tokens[index][1].upper() in ("DISTINCT", "REDUCED"):
        index += 1
    if index >= len(tokens) or tokens[index][1] != "*":
        return []
    return list(dict.fromkeys(value[1:] for kind, value in tokens[index:] if kind == "var"))


def _join(base: str, iri: str) -> str:
    # urljoin is slow, and with no BASE (the usual case) it returns the IRI as it is.
    if not base:
        return iri
    try:
        return urljoin(base, iri)
    except ValueError:
        # Not an IRI urljoin can read (``<http://[>``): the engine reports it properly.
        return iri


def _end(text: str) -> int:
    # Trailing whitespace is left out: the pattern would try it from every position
    # (each try running to the end), quadratic in its length.
    return len(text.rstrip())


def _tokens(text: str, start: int = 0) -> list[tuple[str, str]]:
    # Each kind is one group with no groups inside, so lastindex is its own number.
    return [
        (kind, match.group(match.lastindex))  # type: ignore[arg-type]
        for match in _TOKEN.finditer(text, start, _end(text))
        if (kind := match.lastgroup)
    ]


def positioned_tokens(text: str) -> list[tuple[str, str, int]]:
    """Every token of ``text``, comments included: its kind, its text and where it starts.

    The kinds are iri, var, pname, word, comment, string and other (one character).
    """
    return [
        (kind, match.group(match.lastindex), match.start(match.lastindex))  # type: ignore[arg-type]
        for match in _TOKEN.finditer(text, 0, _end(text))
        if (kind := match.lastgroup)
    ]


def _resolve(kind: str, token: str, prefixes: dict[str, str], base: str) -> str:
    if kind == "iri":
        return _join(base, token[1:-1])
    if kind == "pname":
        prefix, _, local = token.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return token


_IRI_FORBIDDEN = re.compile(f"[{_NOT_IRI}]")


def add_using(update: str, graphs: list[str], named_graphs: list[str]) -> str:
    """The update with the protocol's ``using-graph-uri`` / ``using-named-graph-uri``.

    SPARQL 1.1 Protocol §2.2.3: these parameters give the dataset of every modify
    operation (``DELETE``/``INSERT … WHERE``), as ``USING`` / ``USING NAMED`` clauses
    would; an update that names its own dataset (``USING`` or ``WITH``) is an error.
    The clauses go in front of each top-level ``WHERE`` (not after ``DELETE WHERE``,
    which has no dataset clause).
    """
    if not graphs and not named_graphs:
        return update
    for iri in [*graphs, *named_graphs]:
        if not iri or _IRI_FORBIDDEN.search(iri):
            raise ValueError(f"{iri!r} is not an IRI")
    clauses = "".join(f"USING <{g}> " for g in graphs) + "".join(
        f"USING NAMED <{g}> " for g in named_graphs
    )
    pieces, last, depth, previous = [], 0, 0, ""
    for match in _TOKEN.finditer(update, 0, _end(update)):
        kind = match.lastgroup or "other"
        value = match.group(kind)
        if kind == "comment":
            continue
        word = value.upper() if kind == "word" else ""
        if word in ("USING", "WITH"):
            raise ValueError(
                "the update names its own dataset (USING or WITH) and the request gives one too"
            )
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif word == "WHERE" and depth == 0 and previous != "DELETE":
            pieces.append(update[last : match.start(kind)])
            pieces.append(clauses)
            last = match.start(kind)
        previous = word
    pieces.append(update[last:])
    return "".join(pieces)
