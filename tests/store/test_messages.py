"""The engine's messages: each pickles to an equal message and is answered by an
evaluator process with an answer of its own type."""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pyoxigraph as ox
import pytest

from d4sme_kg.store import QueryAnswer, QueryRequest, messages
from d4sme_kg.store.disk import StoreCounts
from d4sme_kg.store.engine import evaluate
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.pool import EvaluatorPool

EX = "http://example.org/"
NEW = f"<{EX}new> <{EX}p> <{EX}o> <{EX}g> .\n".encode()

REQUEST = QueryRequest.for_text(
    "SELECT * { GRAPH ?g { ?s ex:p ?o } }",
    result_format="csv",
    graph_format="nt",
    default_graphs=[f"{EX}g"],
    named_graphs=[f"{EX}g"],
    max_rows=7,
    prefixes={"ex": EX, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
    bindings={"s": ("uri", f"{EX}s")},
    base_iri="http://localhost/sparql",
)

#: One message of each type and the type of its answer.
EXAMPLES: list[tuple[messages.EngineMessage[Any], type]] = [
    (messages.RunQuery.of(REQUEST), QueryAnswer),
    (
        messages.DiffUpdate(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> 1 }} }}", None),
        messages.Change,
    ),
    (messages.ApplyChange(messages.Change(add=NEW, remove=b"")), type(None)),
    (messages.DumpStore(), bytes),
    (messages.CountStore(), StoreCounts),
]


def test_every_message_type_has_an_example() -> None:
    defined = {
        kind
        for kind in messages.EngineMessage.__subclasses__()
        if kind.__module__ == "d4sme_kg.store.messages"
    }
    assert {type(message) for message, _ in EXAMPLES} == defined


def test_a_query_message_holds_what_its_request_says() -> None:
    # messages.RunQuery.of builds the message without the dataclass's __init__ (for speed):
    # the same message as the one built field by field, by name.
    assert messages.RunQuery.of(REQUEST) == messages.RunQuery(
        text=REQUEST.text,
        result_format="csv",
        graph_format="nt",
        default_graphs=[f"{EX}g"],
        named_graphs=[f"{EX}g"],
        query_dataset=False,
        max_rows=7,
        prefixes=REQUEST.prefixes,
        query_prefixes={"ex": EX},
        bindings={"s": ("uri", f"{EX}s")},
        base_iri="http://localhost/sparql",
        star_order=["g", "s", "o"],
        services=[],
    )
    # messages._run_query, which builds it and unpickles it, takes the fields in their order.
    assert list(inspect.signature(messages._run_query).parameters) == [
        f.name for f in fields(messages.RunQuery)
    ]


def _name(value: object) -> str:
    return value.__name__ if isinstance(value, type) else type(value).__name__


@pytest.mark.parametrize("message", [message for message, _ in EXAMPLES], ids=_name)
def test_a_message_pickles_to_an_equal_one(message: messages.EngineMessage[Any]) -> None:
    copy = pickle.loads(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == message and type(copy) is type(message)


@pytest.fixture(scope="module")
def pool() -> Iterator[EvaluatorPool]:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("v")))
    store.add(
        ox.Quad(
            ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("w"), ox.NamedNode(f"{EX}g")
        )
    )
    pool = EvaluatorPool(lambda: store, size=1)
    try:
        yield pool
    finally:
        pool.close()


@pytest.mark.parametrize(("message", "answer_type"), EXAMPLES, ids=_name)
def test_an_evaluator_process_answers_each_message_with_its_type(
    pool: EvaluatorPool, message: messages.EngineMessage[Any], answer_type: type
) -> None:
    # (A change applied twice changes nothing: the tests may run in any order.)
    assert type(pool.run(message, timeout=30)) is answer_type


def test_what_each_message_answers(pool: EvaluatorPool) -> None:
    answer = pool.run(messages.RunQuery.of(REQUEST), timeout=30)
    assert (answer.kind, answer.rows) == ("solutions", 1)
    assert answer.body.decode().split() == ["g,s,o", f"{EX}g,{EX}s,w"]
    change = pool.run(
        messages.DiffUpdate(f"DELETE DATA {{ <{EX}s> <{EX}p> 'v' }}", None), timeout=30
    )
    assert change == messages.Change(add=b"", remove=f'<{EX}s> <{EX}p> "v" .\n'.encode())
    pool.broadcast(messages.ApplyChange(messages.Change(add=NEW, remove=b"")))
    counts = pool.run(messages.CountStore(), timeout=30)
    assert (counts.triples, counts.graphs) == (3, (f"{EX}g",))
    assert NEW in pool.run(messages.DumpStore(), timeout=30)
    # A failure crosses the pipe as the EngineError it was.
    with pytest.raises(EngineError) as error:
        pool.run(messages.DiffUpdate("INSERT DATA {", None), timeout=30)
    assert error.value.kind == "syntax"


def test_a_message_type_the_engine_does_not_know_is_an_internal_error() -> None:
    class Unknown(messages.EngineMessage[None]):
        pass

    with pytest.raises(EngineError) as error:
        evaluate(ox.Store(), Unknown())
    assert error.value.kind == "internal" and "Unknown" in error.value.message
