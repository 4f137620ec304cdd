"""The Flask application factory: the web layer is a thin shell over the service."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, current_app

from d4sme_kg.logs import ACCESS_LOGGER, batched_handler, printable
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.settings import Settings
from d4sme_kg.web.bodies import BodiesFirst, BodyReader
from d4sme_kg.web.standing_in import ANSWERED, AnswerInPlace

access_log = logging.getLogger(ACCESS_LOGGER)
#: The environ key of when the access log first saw the request (time.perf_counter()).
STARTED = "d4sme_kg.started"


def current_service() -> KnowledgeGraphService:
    """The service of the app handling the current request."""
    service: KnowledgeGraphService = current_app.extensions["d4sme_kg"]
    return service


def create_app(
    service: KnowledgeGraphService | Mapping[str, Any] | None = None, *, fast_protocol: bool = True
) -> Flask:
    """The web layer over ``service``.

    Given settings instead (upper-case names, as in a Flask config, over the
    ``D4SME_KG_*`` environment) or nothing (``flask run``, another WSGI server), the
    service is opened first: loaded and validated, once. ``fast_protocol=False`` sends
    protocol queries through Flask's dispatch too (web.fast_protocol; the tests compare
    the two).
    """
    if not isinstance(service, KnowledgeGraphService):
        from d4sme_kg.startup import open_service

        settings = Settings.from_environment(service)
        # The routes are imported while the data is being validated.
        service = open_service(settings, meanwhile=import_routes)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = service.settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    app.extensions["d4sme_kg"] = service
    from d4sme_kg.web.problems import raise_what_came_before, register_error_handlers

    register_error_handlers(app)
    from d4sme_kg.web.security import register_security

    register_security(app)
    from d4sme_kg.web.cors import register_cors

    register_cors(app)
    app.before_request(raise_what_came_before)
    from d4sme_kg.web.caching import register_caching

    register_caching(app)
    if fast_protocol:
        from d4sme_kg.web.fast_protocol import ProtocolFastPath

        app.wsgi_app = ProtocolFastPath(app, service)  # type: ignore[method-assign]
    settings = service.settings
    reader = BodyReader(settings.max_body_bytes, settings.body_seconds, settings.body_slots)
    bodies = BodiesFirst(app.wsgi_app, reader, settings.request_threads)
    from d4sme_kg.web.spreading import SpreadConnections

    spread = SpreadConnections(bodies, settings.request_threads)
    app.wsgi_app = AnswerInPlace(AccessLog(spread))  # type: ignore[method-assign]
    return app


def import_routes() -> None:
    """Import the route modules, the cost of registering them."""
    _blueprints()


def _blueprints() -> list[Blueprint]:
    from d4sme_kg.web import (
        downloads,
        entities,
        graphs,
        health,
        named_queries,
        ontology_docs,
        pages,
        protocol,
        reconcile,
        void,
        writes,
    )

    return [
        module.bp
        for module in (
            protocol,
            writes,
            health,
            pages,
            downloads,
            reconcile,
            named_queries,
            entities,
            ontology_docs,
            void,
            graphs,
        )
    ]


class AccessLog:
    """One log line per request: method, path, status and duration.

    A WSGI wrapper rather than Flask hooks: it also times what the hooks would not see
    (errors turned into responses, the other hooks), and costs less per request.
    Under ``d4sme-kg serve`` the line goes straight to the batched handler, with no
    LogRecord made (see d4sme_kg.logs).
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.batched = batched_handler(access_log)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # A stand-in's answer (web.standing_in) is timed from the request's own start.
        started = environ.setdefault(STARTED, time.perf_counter())
        status = ["-"]

        def start(line: str, headers: Any, exc_info: Any = None) -> Any:
            status[0] = line.split(" ", 1)[0]
            return start_response(line, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        except BaseException:
            status[0] = "500"
            raise
        finally:
            # Answered by its stand-in (web.standing_in), which logged that answer.
            if access_log.isEnabledFor(logging.INFO) and ANSWERED not in environ:
                # WSGI hands the path over as Latin-1; the IRIs here are UTF-8.
                raw = environ.get("PATH_INFO", "").encode("latin-1", "replace")
                path = printable(raw.decode("utf-8", "replace"))
                elapsed = (time.perf_counter() - started) * 1000
                method = printable(environ.get("REQUEST_METHOD", "-"))
                if self.batched is not None:
                    line = f"{method} {path} {status[0]} {elapsed:.1f}ms"
                    self.batched.add_line(ACCESS_LOGGER, line)
                else:
                    access_log.info("%s %s %s %.1fms", method, path, status[0], elapsed)
