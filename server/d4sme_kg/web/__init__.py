"""The Flask application factory: the web layer is a thin shell over the service."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

from d4sme_kg.service import KnowledgeGraphService, Settings

access_log = logging.getLogger("d4sme_kg.access")


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
    _log_requests(app)
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


def _log_requests(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def log_line(response: Response) -> Response:
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed
        )
        return response
