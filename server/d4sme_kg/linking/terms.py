"""SPARQL text for the linker: VALUES blocks filled into the ``.rq`` files of ``queries/linking/``.

Remote endpoints receive plain text (SPARQLWrapper), so values cannot be bound as terms
there. They are written into ``VALUES ?var { }`` placeholders of the stored queries, and
only through :func:`iri` and :func:`literal`, which serialise a term in N-Triples syntax
and refuse anything that could break out of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from d4sme_kg.errors import QueryError
from d4sme_kg.sparql import _IRI_FORBIDDEN

_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def iri(value: str) -> str:
    """``<value>``; a QueryError for anything that is not a plain absolute IRI."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) or _IRI_FORBIDDEN.search(value):
        raise QueryError(f"not an absolute IRI: {value!r}")
    return f"<{value}>"


def literal(value: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A quoted literal with every special character escaped as N-Triples requires."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    text = '"' + "".join(out) + '"'
    if lang:
        if not _LANG.match(lang):
            raise QueryError(f"not a language tag: {lang!r}")
        return f"{text}@{lang}"
    if datatype:
        return f"{text}^^{iri(datatype)}"
    return text


def values(variable: str, terms: Iterable[str]) -> str:
    """``VALUES ?variable { t1 t2 … }`` from terms already made by iri()/literal()."""
    if not variable.isidentifier():
        raise QueryError(f"not a variable name: {variable!r}")
    return f"VALUES ?{variable} {{ {' '.join(terms)} }}"


def fill(text: str, blocks: dict[str, Sequence[str]]) -> str:
    """Replace each empty ``VALUES ?name { }`` placeholder of ``text`` with its terms."""
    for name, terms in blocks.items():
        pattern = re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{\s*\}")
        match = pattern.search(text)
        if match is None:
            raise QueryError(f"the query has no VALUES ?{name} {{ }} placeholder")
        # Spliced, not re.sub'd: the terms may hold backslashes that re would interpret.
        text = text[: match.start()] + values(name, terms) + text[match.end() :]
    return text
