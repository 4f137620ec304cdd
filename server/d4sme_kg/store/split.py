"""Read-only evaluation split in two: in the web process, and in evaluator processes.

pyoxigraph is built to abort its whole process on an internal panic, and one panic is in
reach of any client: ORDER BY over literals of mixed types (numbers and strings, say) can
hand Rust's sort a comparison that is not a total order (a number against a number by
value, against a string by its characters), which the sort detects and panics on.
Depending on the order of the data it happens one time in a few (the W3C test ``pp14``
over the whole store) or every time (a crafted ``VALUES`` list of thirty terms). A
read-only worker that evaluated such a query itself would die with every request it held.

So a query that sorts is sent to an evaluator process (store.pool), where a crash costs
that one process, replaced at once; every other query stays in the web process, where it
costs no hop between processes. A query whose sort ends its evaluator is tried once more
(the crash may depend on the order the solutions came in); if that one ends too, the
client is told what happened and how to sort instead (EngineError "unsortable", a 422):
it is the query's ORDER BY over values of several kinds, not a passing failure. Whether a
query sorts is read from its text, erring towards "yes": ``ORDER`` and ``BY`` with only
spaces or comments between them, anywhere (a string or IRI that happens to hold them only
costs that query the hop), and any ``\\u`` escape, since SPARQL lets those spell keywords.
"""

from __future__ import annotations

import re

from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.inline import InlineEngine
from d4sme_kg.store.messages import Answer, DiffUpdate, EngineMessage, RunQuery
from d4sme_kg.store.pool import EvaluatorPool

_SORTS = re.compile(r"ORDER(?:\s|#[^\n]*)*BY|\\[uU]", re.IGNORECASE)


def sorts(text: str) -> bool:
    """True when the query may sort its solutions (ORDER BY), read cautiously."""
    return _SORTS.search(text) is not None


UNSORTABLE = (
    "the engine stopped twice while sorting this query's solutions: pyoxigraph cannot "
    "ORDER BY values of several kinds at once (numbers and strings, say). Sort by one "
    "kind of value, e.g. ORDER BY STR(?x), or by DATATYPE(?x) first"
)


#: Query texts longer than this are parsed in an evaluator process (characters).
LONG_TEXT = 64 * 1024

CRASHED_TWICE = (
    "the evaluator stopped twice while working out this update (it has been restarted); "
    "nothing was changed"
)


class SplitEngine:
    """Queries that sort go to ``pool``, everything else to ``other`` (the inline engine
    of a read-only worker, or the same pool when writes are on)."""

    def __init__(self, other: InlineEngine | EvaluatorPool, pool: EvaluatorPool) -> None:
        self.other = other
        self.pool = pool

    def start(self) -> None:
        # The evaluators are forked first, before the inline engine starts any thread.
        self.pool.start()
        self.other.start()

    def run(self, message: EngineMessage[Answer], timeout: float) -> Answer:
        text = message.text if isinstance(message, RunQuery) else None
        if text is not None and sorts(text):
            if (reply := self._twice(self.pool, message, timeout)) is None:
                raise EngineError("unsortable", UNSORTABLE)
            return reply
        if text is not None and len(text) > LONG_TEXT:
            # pyoxigraph parses holding the GIL: a long text would stop every other
            # thread of the web process meanwhile (seconds for megabytes on a busy
            # machine), the answers to its other requests and its stopping included.
            return self.pool.run(message, timeout)
        # (Tested apart: an isinstance test would narrow ``message`` to a message whose
        # answer is a Change, which the type checker cannot equate with ``Answer``.)
        diff = isinstance(message, DiffUpdate)
        if diff:
            # Working out an update changes nothing: an evaluator that died meanwhile
            # (killed, say) costs the write nothing but a second try.
            if (reply := self._twice(self.other, message, timeout)) is None:
                raise EngineError("crashed", CRASHED_TWICE)
            return reply
        return self.other.run(message, timeout)

    @staticmethod
    def _twice(
        engine: InlineEngine | EvaluatorPool, message: EngineMessage[Answer], timeout: float
    ) -> Answer | None:
        """The answer, tried again once if the evaluator died; None if it died twice (the
        messages tried twice, queries and diffs, never answer None)."""
        for _ in range(2):
            try:
                return engine.run(message, timeout)
            except EngineError as error:
                if error.kind != "crashed":
                    raise
        return None

    def close(self) -> None:
        self.pool.close()
        self.other.close()
