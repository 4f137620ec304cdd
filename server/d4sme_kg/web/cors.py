"""Cross-origin reads: every read route is open to every origin, writes to none.

A page on another site may query the endpoint, fetch an entity, the VoID description
or an export, and POST a reconciliation batch (a JSON body, so its browser asks first
with a preflight); error answers carry the header too, or the page could not read why
its request failed. Writes (``/update``, and ``/store`` other than GET) get no CORS
headers at all, so a browser never lets another site's page send one with a user's
token.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: Methods a read may come with from another origin (POST: queries, reconciliation).
READ_METHODS = "GET, HEAD, POST, OPTIONS"
#: The request headers such a read may set.
READ_HEADERS = "Accept, Content-Type"
#: The header of every read's answer.
OPEN = ("Access-Control-Allow-Origin", "*")


def register_cors(app: Flask) -> None:
    app.after_request(open_reads)


def open_reads(response: Response) -> Response:
    if _is_write():
        return response
    headers = response.headers
    headers[OPEN[0]] = OPEN[1]
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = READ_METHODS
        headers["Access-Control-Allow-Headers"] = READ_HEADERS
        headers["Access-Control-Max-Age"] = "86400"
    return response


def _is_write() -> bool:
    if request.endpoint == "writes.update":
        return True
    if request.endpoint != "writes.graph_store":
        return False
    method = request.method
    if method == "OPTIONS":  # a preflight names the method it asks for
        method = request.headers.get("Access-Control-Request-Method", "").upper()
    return method not in ("GET", "HEAD")
