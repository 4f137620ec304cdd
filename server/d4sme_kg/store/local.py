"""pyoxigraph backends, in memory or on disk.

Queries run in evaluator processes (store.pool) by default; a read-only server evaluates
in its own worker processes instead (store.inline), which saves the hop between
processes on every request, but for the queries that sort (store.split).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from d4sme_kg.store import QueryAnswer, QueryRequest, StoreUnavailable
from d4sme_kg.store.disk import StoreCounts, count_store, rdf_format, read_counts, write_counts
from d4sme_kg.store.engine import evaluate
from d4sme_kg.store.engine_errors import EngineError
from d4sme_kg.store.inline import InlineEngine
from d4sme_kg.store.messages import (
    ApplyChange,
    Change,
    CountStore,
    DiffUpdate,
    DumpStore,
    RunQuery,
)
from d4sme_kg.store.pool import EvaluatorPool
from d4sme_kg.store.split import SplitEngine

#: Evaluator processes per read-only worker, for the queries that sort (store.split).
SORTING_EVALUATORS = 2


class LocalBackend:
    """A pyoxigraph store; queries run in evaluator processes or, read-only, inline.

    ``inline`` chooses inline evaluation (the caller's choice, for read-only stores
    only): it is what retires the process when a query runs past its limit (see
    store.inline); None chooses the evaluator pool. ``start=False``
    leaves starting the evaluators to :meth:`start`, in the process that will use them.
    ``temporary``: the folder ``path`` is removed when the store is closed.
    """

    def __init__(
        self,
        store: ox.Store | None,
        path: Path | None,
        workers: int,
        writable: bool,
        *,
        inline: Callable[[], None] | None = None,
        start: bool = True,
        temporary: bool = False,
    ) -> None:
        self.writable = writable
        self._path = path
        # A temporary folder is removed by close() in the process that opened it.
        self._owner = os.getpid() if temporary else None
        self._store = store  # kept in memory mode: replacements are forked from it
        self._write_lock = threading.RLock()
        if store is not None:
            self.description = "in-memory pyoxigraph store"
            size = workers
            factory = _shared(store)
        else:
            assert path is not None
            self.description = f"on-disk pyoxigraph store at {path}"
            # RocksDB allows one writer and no reader beside it: writes need one owner.
            size = 1 if writable else workers
            factory = _open_writable(path) if writable else _open_read_only(path)
        self._pool: EvaluatorPool | None = None
        self._engine: SplitEngine
        # Asked here, with no thread nor process started, so that the caller may still fork
        # (the server's workers, granian's or gunicorn's); the engines start what they need
        # on first use. An on-disk store's counts are those kept with it (store.disk).
        counts = read_counts(path) if path is not None else None
        if counts is None:
            counts = count_store(factory())
            if path is not None:
                _keep(path, counts)
        if inline is not None:
            assert not writable, "a writable store is evaluated by the pool"
            # Two evaluators per worker for the queries that sort: one slow sort does
            # not hold up the next.
            sorting = EvaluatorPool(factory, SORTING_EVALUATORS, start=False)
            self._engine = SplitEngine(InlineEngine(factory, inline), sorting)
        else:
            self._pool = EvaluatorPool(factory, size, start)
            self._engine = SplitEngine(self._pool, self._pool)
        self._graphs: list[str] = list(counts.graphs)
        self._size: int = counts.triples
        #: When the size and the graphs were counted (time.time()).
        self.counted_at: float = counts.at

    #: What :meth:`size` counts, in words.
    counted = "every triple of the store, graph by graph (a triple in two graphs counts twice)"

    def ready(self) -> bool:
        """Always: the store is in this process's keeping."""
        return True

    @property
    def inline(self) -> bool:
        """True when queries are evaluated in the web process itself."""
        return self._pool is None

    def start(self) -> None:
        self._engine.start()

    def query(self, request: QueryRequest) -> QueryAnswer:
        return self._engine.run(RunQuery.of(request), request.timeout)

    def graphs(self) -> list[str]:
        return list(self._graphs)

    def size(self) -> int:
        return self._size

    def dump(self) -> bytes:
        if self._store is not None:
            with self._write_lock:
                return self._store.dump(format=ox.RdfFormat.N_QUADS) or b""
        return self._engine.run(DumpStore(), timeout=600)

    def diff(self, update: str, base_iri: str | None, timeout: float) -> tuple[bytes, bytes]:
        """What ``update`` would add and remove (N-Quads), worked out by an evaluator
        under ``timeout`` (QueryTimeout past it); the store is not changed."""
        change = self._engine.run(DiffUpdate(update, base_iri), timeout)
        return change.add, change.remove

    def apply(self, add: bytes, remove: bytes) -> None:
        """Commit an already validated change everywhere the data lives."""
        with self._write_lock:
            change = ApplyChange(Change(add, remove))
            if self._store is not None:
                evaluate(self._store, change)
            if self._pool is None:
                raise StoreUnavailable("this store is read-only")
            self._pool.broadcast(change)
            counts = self._pool.run(CountStore(), timeout=60)
            self._graphs, self._size = list(counts.graphs), counts.triples
            self.counted_at = counts.at
            if self._path is not None:
                _keep(self._path, counts)

    @property
    def write_lock(self) -> threading.RLock:
        return self._write_lock

    def close(self) -> None:
        self._engine.close()
        if self._owner == os.getpid() and self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)


def load_files(store: ox.Store, files: Iterable[Path]) -> None:
    """Load RDF files of any format pyoxigraph reads; quads keep their graphs."""
    for path in files:
        fmt = rdf_format(path)
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (SyntaxError, OSError, ValueError) as error:
            raise StoreUnavailable(f"{path}: {error}") from None


def _keep(path: Path, counts: StoreCounts) -> None:
    # A read-only folder keeps no counts: the next start counts again.
    with contextlib.suppress(OSError):
        write_counts(path, counts)


def _shared(store: ox.Store):  # type: ignore[no-untyped-def]
    return lambda: store


def _open_writable(path: Path):  # type: ignore[no-untyped-def]
    return lambda: _open_with_retry(lambda: ox.Store(str(path)))


def _open_read_only(path: Path):  # type: ignore[no-untyped-def]
    return lambda: _open_with_retry(lambda: ox.Store.read_only(str(path)))


def _open_with_retry(opener: Callable[[], ox.Store], seconds: float = 10.0) -> ox.Store:
    # RocksDB releases its lock file a moment after the previous owner is dropped (the
    # loader in the parent, or an evaluator that was just stopped): wait for it.
    deadline = time.monotonic() + seconds
    while True:
        try:
            return opener()
        except OSError as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


__all__ = [
    "EngineError",
    "LocalBackend",
    "load_files",
]
