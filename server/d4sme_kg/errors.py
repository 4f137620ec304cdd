"""The project's one error vocabulary.

Every expected failure is a :class:`KGError` (the engine's and the evaluator pool's
too: store.engine_errors.EngineError, store.pool.QueryTimeout and PoolBusy); the CLI prints it
as one line and exits with ``exit_code``, the web layer renders it, in one handler
(web.problems), as an RFC 9457 problem with ``http_status``.
"""

from __future__ import annotations


class KGError(Exception):
    """An expected failure with a message a person can act on."""

    exit_code = 2
    http_status = 400
    title = "Bad request"
    #: Over HTTP: the connection is closed after the answer (a body left unread, or
    #: cut short, cannot be told from the next request).
    closes_connection = False
    #: Over HTTP: seconds a client should wait before trying again (Retry-After).
    retry_after: int | None = None
    #: Over HTTP: the last segment of the problem type URI (empty: the class name in
    #: lower case).
    slug = ""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def detail(self) -> str:
        """What a client is told (the message, unless it is not theirs to see)."""
        return self.message

    @property
    def page_title(self) -> str:
        """The title of the alert when a page shows this error inline."""
        return self.title

    @property
    def page_status(self) -> int:
        """The status of a page that shows this error inline."""
        return self.http_status

    def problem_fields(self) -> dict[str, object]:
        """Members of the problem document beside type, title, status and detail."""
        return {}

    def logged(self) -> str | None:
        """What the server logs of this error as an error of its own, if anything."""
        return None


class ProjectError(KGError):
    """The project folder is missing or lacks a required part."""

    title = "Project not found"


class LoadError(KGError):
    """An RDF file could not be read or parsed; the message names file and line."""

    title = "Unreadable RDF"

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line


class FormatError(KGError):
    """An unknown or unsupported format name or media type."""

    title = "Unknown format"
    http_status = 406


class QueryError(KGError):
    """A SPARQL query or update that cannot be parsed or is not allowed."""

    title = "Malformed query"


class ShapesError(KGError):
    """The SHACL shapes themselves are broken."""

    title = "Broken shapes"


class TooLarge(KGError):
    """A query, a request body or an answer past the server's limit."""

    title = "Request too large"
    http_status = 413
    closes_connection = True


class BodyTimeout(KGError):
    """A request body that stalled or arrived too slowly."""

    title = "Request body timed out"
    http_status = 408
    closes_connection = True


class BodyIncomplete(KGError):
    """A request body that ended before its declared length."""

    title = "Request body incomplete"
    closes_connection = True


class TooManyBodies(KGError):
    """More request bodies at once than the server reads at once."""

    title = "Server busy"
    http_status = 503
    closes_connection = True
    retry_after = 1


class NestedTooDeeply(KGError):
    """A query or update nested deeper than the engine can evaluate safely."""

    title = "Query nested too deeply"
