"""The start of the service: load, validate and open the store.

Validation is the longest step; pySHACL runs in forked processes while this process
builds the store and the caller (the web app) gets on with its own set-up.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from d4sme_kg.errors import KGError
from d4sme_kg.loading import load_for_serving, load_project
from d4sme_kg.project import Project
from d4sme_kg.service import KnowledgeGraphService, Settings, to_rdflib
from d4sme_kg.validation import ValidationReport, start_validation

log = logging.getLogger(__name__)


class DataDoesNotConform(KGError):
    title = "Data does not conform"
    exit_code = 1

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(
            "the data does not conform to its SHACL shapes (start with "
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
    from d4sme_kg.store.inline import retire_this_process
    from d4sme_kg.store.local import (
        LocalBackend,
        create_disk_store,
        disk_store_is_loaded,
        load_files,
    )

    started = time.monotonic()
    project = Project.from_root(settings.root, settings.base_iri)
    writable = bool(settings.update_token)
    on_runaway = None
    if settings.engine == "inline" and not writable:
        # Past gunicorn's own graceful stop (limit + 5 s): the requests still in flight
        # on the retiring worker, which may have started up to then, get their full limit.
        on_runaway = partial(retire_this_process, grace=settings.timeout + 10)
    if settings.store.startswith(("sparql+http://", "sparql+https://")):
        from d4sme_kg.store.remote import RemoteBackend

        remote = RemoteBackend(settings.store[len("sparql+") :], timeout=settings.timeout)
        _call(meanwhile)
        return KnowledgeGraphService(settings, project, remote, None, started)

    disk = None if settings.store == "memory" else Path(settings.store).expanduser()
    if disk is not None and disk_store_is_loaded(disk):
        shapes = load_project(project, ["shapes"]).parts["shapes"]
        _call(meanwhile)
        backend = LocalBackend(
            None, disk, settings.workers, writable, on_runaway, not settings.server
        )
        log.info("reopened %s (%d triples)", disk, backend.size())
        return KnowledgeGraphService(settings, project, backend, shapes, started)

    store = ox.Store()
    pending: Callable[[], ValidationReport] | None = None
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
    if pending is not None:
        report = pending()
        if not report.conforms:
            raise DataDoesNotConform(report)
    if disk is not None:
        create_disk_store(disk, store)
        del store
        backend = LocalBackend(
            None, disk, settings.workers, writable, on_runaway, not settings.server
        )
    else:
        backend = LocalBackend(
            store, None, settings.workers, writable, on_runaway, not settings.server
        )
    return KnowledgeGraphService(settings, project, backend, shapes, started)


def _start(
    data: Graph, shapes: Graph, store: ox.Store | None = None
) -> Callable[[], ValidationReport]:
    # At start-up no thread runs yet, so pySHACL's work can be shared out by forking.
    return start_validation(data, shapes, processes=min(2, os.cpu_count() or 1), store=store)


def _call(meanwhile: Callable[[], None] | None) -> None:
    if meanwhile is not None:
        meanwhile()


__all__ = ["DataDoesNotConform", "open_service"]
