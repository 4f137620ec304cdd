"""The Flask application factory: the web layer is a thin shell over the service."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length

from d4sme_kg.logs import ACCESS_LOGGER, batched_handler
from d4sme_kg.service import KnowledgeGraphService, Settings

access_log = logging.getLogger(ACCESS_LOGGER)


def create_app(
    config: Mapping[str, Any] | None = None, service: KnowledgeGraphService | None = None
) -> Flask:
    """Build the app: settings from defaults, ``D4SME_KG_*`` environment, then ``config``.

    The store is loaded and validated here, once; ``service`` lets a caller share one.
    """
    app = Flask(__name__)
    app.config.from_prefixed_env("D4SME_KG")
    if config:
        app.config.update(config)
    settings = Settings.from_mapping(app.config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if service is None:
        from d4sme_kg.startup import open_service

        # The routes are imported and registered while the data is being validated.
        service = open_service(settings, meanwhile=lambda: _register_blueprints(app))
    else:
        _register_blueprints(app)
    app.extensions["d4sme_kg"] = service
    from d4sme_kg.web.problems import register_error_handlers

    register_error_handlers(app)
    app.before_request(refuse_bodies_past_the_limit)
    app.wsgi_app = AccessLog(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _register_blueprints(app: Flask) -> None:
    from d4sme_kg.web import (
        downloads,
        entities,
        health,
        named_queries,
        ontology_docs,
        pages,
        protocol,
        reconcile,
        writes,
    )

    for blueprint in (
        protocol,
        writes,
        health,
        pages,
        downloads,
        reconcile,
        named_queries,
        entities,
        ontology_docs,
    ):
        app.register_blueprint(blueprint.bp)


def refuse_bodies_past_the_limit() -> None:
    """413 for a request body past MAX_CONTENT_LENGTH, before any route reads it.

    A declared length is checked as it is. A chunked body (no length) is read whole
    here: werkzeug would read it up to the limit and silently stop there, and a query,
    an update or a graph cut short might still parse, and mean something else. Once
    read, it has a length like any other body.
    """
    limit = request.max_content_length
    environ = request.environ
    # Not request.content_length: werkzeug would keep the None of a chunked body.
    length = get_content_length(environ)
    if length is not None:
        if limit is not None and length > limit:
            raise RequestEntityTooLarge(
                f"the request body has {length} bytes; the limit is {limit}"
            )
        return
    if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return
    if not environ.get("wsgi.input_terminated"):
        return  # werkzeug reads nothing from a stream the server does not end
    stream = environ["wsgi.input"]
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestEntityTooLarge(f"the request body has more than {limit} bytes, the limit")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    del environ["HTTP_TRANSFER_ENCODING"]


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
        started = time.perf_counter()
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
            if access_log.isEnabledFor(logging.INFO):
                # WSGI hands the path over as Latin-1; the IRIs here are UTF-8.
                raw = environ.get("PATH_INFO", "").encode("latin-1", "replace")
                path = raw.decode("utf-8", "replace")
                elapsed = (time.perf_counter() - started) * 1000
                method = environ.get("REQUEST_METHOD", "-")
                if self.batched is not None:
                    line = f"{method} {path} {status[0]} {elapsed:.1f}ms"
                    self.batched.add_line(ACCESS_LOGGER, line)
                else:
                    access_log.info("%s %s %s %.1fms", method, path, status[0], elapsed)
