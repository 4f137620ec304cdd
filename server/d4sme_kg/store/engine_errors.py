"""The engine's refusals: EngineError, its kinds, and a syntax error's message made short.

Raised in an evaluator (a process or a thread, store.pool and store.inline) and carried
back to the web layer, which answers with the kind's HTTP status (web.problems).
"""

from __future__ import annotations

from d4sme_kg.errors import KGError

#: EngineError kinds -> (HTTP status, title)
KINDS = {
    "syntax": (400, "Malformed query"),
    "evaluation": (400, "Query evaluation error"),
    "too_many_rows": (413, "Result too large"),
    "internal": (500, "Internal error"),
    "crashed": (500, "Evaluator crashed"),
    "unsortable": (422, "Cannot sort these values"),
    # A SERVICE endpoint that could not be reached or did not answer as one: the query
    # is fine, the server it depends on failed (RFC 9110, 15.6.3).
    "service": (502, "SERVICE endpoint failed"),
}


class EngineError(KGError):
    """A request the engine refuses; ``kind`` names the error class for the caller."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.http_status, self.title = KINDS.get(kind, (500, "Internal error"))
        if kind == "crashed" or self.http_status != 500:
            self.slug = kind.replace("_", "-")
        else:
            self.slug = "internal"

    @property
    def detail(self) -> str:
        """What a client is told: nothing of an internal error; a syntax error keeps its
        position ("error at LINE:COL") and a short message: the parser's list of
        expected tokens, which can run to dozens of alternatives and Unicode ranges, is
        cut to the first :data:`EXPECTED_SHOWN` followed by "…"."""
        if self.slug == "internal":
            return "the server could not answer this request"
        if self.kind != "syntax":
            return self.message
        return shorten_expected(self.message)

    @property
    def page_title(self) -> str:
        return "Query error"

    @property
    def page_status(self) -> int:
        return 400

    def logged(self) -> str | None:
        return f"engine error: {self.message}" if self.http_status == 500 else None


#: How many of the parser's expected tokens a syntax error keeps before "…".
EXPECTED_SHOWN = 8
_EXPECTED = "expected one of "


def shorten_expected(message: str, keep: int = EXPECTED_SHOWN) -> str:
    """``message`` with its "expected one of A, B, …" list cut to ``keep`` alternatives."""
    start = message.find(_EXPECTED)
    if start < 0:
        return message
    head = message[: start + len(_EXPECTED)]
    alternatives = _alternatives(message[len(head) :])
    if alternatives is None or len(alternatives) <= keep:
        return message
    return head + ", ".join(alternatives[:keep]) + ", …"


def _alternatives(text: str) -> list[str] | None:
    """The comma-separated items of the parser's list, or None when it is not one.

    Items are quoted tokens ("," or "\\""), bracketed character classes (which may hold
    commas, quotes and line breaks) or bare words (VERSION).
    """
    items: list[str] = []
    i, n = 0, len(text)
    while i < n:
        begin = i
        if text[i] == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text[i] == "[":
            depth, quoted = 0, False
            while i < n:
                char = text[i]
                if quoted:
                    if char == "\\":
                        i += 1
                    elif char == "'":
                        quoted = False
                elif char == "'":
                    quoted = True
                elif char == "[":
                    depth += 1
                elif char == "]":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        else:
            while i < n and text[i] != ",":
                i += 1
        if i > n or i == begin:
            return None
        items.append(text[begin:i].strip())
        if i < n:
            if text[i] != ",":
                return None
            i += 1
            while i < n and text[i] in " \n":
                i += 1
    return items
