"""The start of the service: load, validate and open the store.

Validation is the longest step; pySHACL runs in forked processes while this process
builds the store and the caller (the web app) gets on with its own set-up.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox
from rdflib import Graph

from d4sme_kg.errors import KGError
from d4sme_kg.loading import add_oxigraph_triples, load_for_serving, load_project
from d4sme_kg.namespaces import bind_prefixes
from d4sme_kg.project import CONTENT_PARTS, Project
from d4sme_kg.service import KnowledgeGraphService, to_rdflib
from d4sme_kg.settings import Settings
from d4sme_kg.store import StoreUnavailable
from d4sme_kg.validation import ValidationReport, start_validation

log = logging.getLogger(__name__)

#: A validation under way: called, it waits for the report.
Pending = Callable[[], ValidationReport]
T = TypeVar("T")

#: The largest on-disk store validated with SHACL at start. Validating reads the store
#: into rdflib: 59 s and 280 MB for 10⁵ synthetic triples (benchmarks/README.md).
SHACL_AT_START_MAX = 100_000

#: ``--store auto``: --data files bigger than this (in all) go to an on-disk store in a
#: temporary folder, shared by every worker, instead of memory. In memory, each worker
#: ends with a copy of its own once its queries have read the store (pyoxigraph writes
#: to the pages it reads): 990 MB of PSS for 10⁶ quads and two workers after eight
#: full scans, 169 MB on disk (benchmarks/README.md). 32 MiB is about 1.8×10⁵ N-Quads.
IN_MEMORY_MAX_BYTES = 32 * 2**20


class DataDoesNotConform(KGError):
    title = "Data does not conform"
    exit_code = 1

    def __init__(self, report: ValidationReport, what: str = "the data") -> None:
        super().__init__(
            f"{what} does not conform to its SHACL shapes (start with "
            "--no-validate to serve it anyway):\n" + report.text()
        )
        self.report = report


def open_service(
    settings: Settings, meanwhile: Callable[[], None] | None = None
) -> KnowledgeGraphService:
    """Load, validate and open the store: the start-up of the service.

    ``meanwhile`` is called once, while the validation runs if there is one; it must
    neither fork nor start threads (the web app imports and registers its routes).
    """
    from d4sme_kg.store.disk import fill_disk_store, is_loaded, load_disk_store, read_counts
    from d4sme_kg.store.local import LocalBackend, load_files

    started = time.monotonic()
    project = Project.from_root(settings.root, settings.base_iri)
    writable = bool(settings.update_token)
    # The engine is chosen here, once: inline (in the web process, which its server
    # retires after a runaway query) when asked for and the store is read-only, else
    # evaluator processes, which share the one copy of the data that writes change.
    inline = None
    if settings.engine == "inline" and not writable:
        from d4sme_kg.retirement import retire_this_process

        # As long as gunicorn's own graceful stop (the limit plus 10 s): the requests still
        # in flight on the retiring worker, which may have started up to then, get their
        # full limit. (granian's main process stops the worker in its own time.)
        inline = partial(retire_this_process, grace=settings.timeout + 10)

    def local(store: ox.Store | None, path: Path | None, temporary: bool = False) -> LocalBackend:
        return LocalBackend(
            store,
            path,
            settings.workers,
            writable,
            inline=inline,
            start=not settings.server,
            temporary=temporary,
        )

    if settings.store.startswith(("sparql+http://", "sparql+https://")):
        from d4sme_kg.store.remote import RemoteBackend

        # The service's graphs are the project's: known, never found by a scan (at 10⁶
        # quads Virtuoso cannot list its graphs within a time limit).
        graphs = [project.graph_iri(part) for part in CONTENT_PARTS]
        remote = RemoteBackend(settings.store[len("sparql+") :], graphs, settings.timeout)
        remote.check()  # one trivial question: an unreachable store is a one-line error
        _call(meanwhile)
        return KnowledgeGraphService(settings, project, remote, None, started)

    disk = _folder(settings)
    # A temporary folder goes with the service (LocalBackend.close), or with a failed start.
    temporary = disk is not None and settings.store == "auto"
    with _removed_on_failure(disk if temporary else None):
        if disk is not None and settings.data_files and not is_loaded(disk):
            # Streamed into the store by pyoxigraph's bulk loader, never copied in memory
            # here; then opened as a store from an earlier start.
            files = [Path(f) for f in settings.data_files]
            loading = _apart(partial(load_disk_store, disk, files), f"loading {disk}")
            _call(meanwhile)  # the web app's own set-up, while the store loads
            meanwhile = None
            counts = loading()
            log.info("loaded %d triples into %s", counts.triples, disk)
        if disk is not None and is_loaded(disk):
            # A store from an earlier start is checked again: a crash, a bug or a hand
            # that changed it since would otherwise be served without a word. Past
            # SHACL_AT_START_MAX triples it is not: the check would take minutes.
            shapes = load_project(project, ["shapes"]).parts["shapes"]
            pending = None
            if settings.validate:
                kept = read_counts(disk)
                if kept is not None and kept.triples > SHACL_AT_START_MAX:
                    log.warning(
                        "the store at %s holds %d triples, more than the %d validated at "
                        "start: it is served without a SHACL validation",
                        disk,
                        kept.triples,
                        SHACL_AT_START_MAX,
                    )
                else:
                    work = partial(_validate_on_disk, disk, project, shapes)
                    pending = _apart(work, f"the validation of {disk}")
            _call(meanwhile)
            _check(pending, f"the store at {disk}")
            backend = local(None, disk, temporary)
            log.info("reopened %s (%d triples)", disk, backend.size())
            return KnowledgeGraphService(settings, project, backend, shapes, started)

    store = ox.Store()
    pending = None
    if settings.data_files:
        kg = load_project(project, ["ontology", "shapes"])
        shapes = kg.parts["shapes"]
        load_files(store, [Path(f) for f in settings.data_files])
        if settings.validate:
            everything = set(store.quads_for_pattern(None, None, None, None))
            pending = _start(to_rdflib(everything) + kg.parts["ontology"], shapes)
    else:
        # The project's own data: each file parsed once, straight into the store too.
        union, shapes, checked = load_for_serving(project, store)
        if settings.validate:
            pending = _start(union, shapes, checked)
    _call(meanwhile)
    _check(pending, "the data")
    if disk is not None:
        fill_disk_store(disk, store)
        del store
        backend = local(None, disk)
    else:
        backend = local(store, None)
    return KnowledgeGraphService(settings, project, backend, shapes, started)


def _folder(settings: Settings) -> Path | None:
    """The folder of the on-disk store, or None to serve from memory.

    ``auto`` (serve's default) keeps --data files of up to IN_MEMORY_MAX_BYTES, and the
    project's own data, in memory; bigger files go to a temporary folder.
    """
    if settings.store == "memory":
        return None
    if settings.store != "auto":
        return Path(settings.store).expanduser()
    size = sum(Path(f).stat().st_size for f in settings.data_files)
    if size <= IN_MEMORY_MAX_BYTES:
        return None
    return Path(tempfile.mkdtemp(prefix="d4sme-kg-store-"))


@contextmanager
def _removed_on_failure(folder: Path | None) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def _apart(work: Callable[[], T], what: str) -> Callable[[], T]:
    """Run ``work`` in a process of its own, whose memory goes with it; wait when called.

    Loading (RocksDB's buffers) and validating (the store read into rdflib, about
    2.8 KB a triple) leave memory behind that the allocator keeps: done here, the
    serving process and its forked workers would keep it too. An expected error
    (KGError) comes back as itself. The process is forked when this one runs no other
    thread (``serve``'s start); else it is spawned, since a lock another thread held at
    the fork would stay held in the child for ever (seen in a test process that had
    opened RocksDB stores, whose background threads are native: /proc tells them).
    """
    alone = _threads() == 1
    context = multiprocessing.get_context("fork") if alone else multiprocessing.get_context("spawn")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_run_apart, args=(writer, work))
    child.start()
    writer.close()

    def outcome() -> T:
        try:
            result = pickle.loads(reader.recv_bytes())
        except EOFError:
            raise StoreUnavailable(f"{what} ended without an answer") from None
        finally:
            reader.close()
            child.join()
        if isinstance(result, KGError):
            raise result
        return cast(T, result)

    return outcome


def _threads() -> int:
    """Threads of this process, native ones included (Linux); else Python's."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _run_apart(writer: Connection, work: Callable[[], object]) -> None:
    try:
        result = work()
    except KGError as error:
        result = error
    writer.send_bytes(pickle.dumps(result))
    writer.close()


def _validate_on_disk(disk: Path, project: Project, shapes: Graph) -> ValidationReport:
    return _start_on_disk(disk, project, shapes)()


def _start_on_disk(disk: Path, project: Project, shapes: Graph) -> Pending:
    """Start validating an on-disk store as the in-memory start validates its data.

    That is the union of its graphs with the ontology. A store made from the project
    holds the ontology already; one made from --data files gets the project's. Never
    both: the ontology's blank nodes are named anew at each parse, so a second copy
    would add a second of each of its lists and restrictions.
    """
    try:
        opened = ox.Store.read_only(str(disk))
        quads = list(opened.quads_for_pattern(None, None, None, None))
    except OSError as error:
        raise StoreUnavailable(f"{disk}: cannot read the store: {error}") from None
    # Closed before the validation forks and before the evaluators open it (a writable
    # one needs RocksDB's lock); pyoxigraph closes a store when it is collected.
    del opened
    gc.collect()
    # Stored IRIs are already the served ones: converted as they are, never rebased.
    union = add_oxigraph_triples(bind_prefixes(Graph(), project.base), quads)
    if ox.NamedNode(project.graph_iri("ontology")) not in {q.graph_name for q in quads}:
        union += load_project(project, ["ontology"]).parts["ontology"]
        # start_validation puts the union, ontology included, in a store of its own.
        return _start(union, shapes)
    checked = ox.Store()
    checked.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return _start(union, shapes, checked)


def _check(pending: Pending | None, what: str) -> None:
    if pending is not None:
        report = pending()
        if not report.conforms:
            raise DataDoesNotConform(report, what)


def _start(data: Graph, shapes: Graph, store: ox.Store | None = None) -> Pending:
    # At start-up no thread runs yet, so pySHACL's work can be shared out by forking.
    return start_validation(data, shapes, processes=min(2, os.cpu_count() or 1), store=store)


def _call(meanwhile: Callable[[], None] | None) -> None:
    if meanwhile is not None:
        meanwhile()


__all__ = ["DataDoesNotConform", "open_service"]
