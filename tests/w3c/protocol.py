"""The SPARQL 1.1 Protocol tests (``sparql11/protocol``): each request replayed over
HTTP and its answer checked against what the test expects."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox

from .manifests import CNT, HT, MF, RDF_MEDIA, RDFS, TABULAR_MEDIA, UT, Manifest, file_path
from .outcomes import Outcome
from .suite_server import Server


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    expected_boolean: bool | None
    expected_format: str | None


@dataclass
class ProtocolTest:
    iri: str
    name: str
    kind: str  # query or update
    graphs: dict[str, Path]
    requests: list[ProtocolRequest]


def protocol_tests(sparql11: Path) -> list[ProtocolTest]:
    manifest = Manifest(sparql11 / "protocol" / "manifest.ttl")
    tests = []
    for entry in manifest.entries():
        if MF + "ProtocolTest" not in manifest.types(entry) or not manifest.approved(entry):
            continue
        local = entry.value.rsplit("#", 1)[-1]
        kind = (
            "update"
            if local.startswith(("update_", "bad_update", "bad_multiple_updates"))
            else "query"
        )
        graphs = {}
        for data in manifest.objects(entry, UT + "graphData"):
            graphs[manifest.one(data, RDFS + "label").value] = file_path(
                manifest.one(data, UT + "graph").value
            )
        action = manifest.one(entry, MF + "action")
        requests = []
        for node in manifest.items(manifest.one(action, HT + "requests")):
            headers = {}
            for header in manifest.items(manifest.one(node, HT + "headers")):
                headers[manifest.one(header, HT + "fieldName").value] = manifest.one(
                    header, HT + "fieldValue"
                ).value
            body_node = manifest.one(node, HT + "body")
            body = None
            if body_node is not None:
                encoding = manifest.one(body_node, CNT + "characterEncoding")
                body = manifest.one(body_node, CNT + "chars").value.encode(
                    encoding.value if encoding is not None else "utf-8"
                )
            response = manifest.one(node, HT + "resp")
            boolean = manifest.one(response, MF + "expectedBoolean")
            fmt = manifest.one(response, MF + "expectedFormat")
            requests.append(
                ProtocolRequest(
                    method=manifest.one(node, HT + "methodName").value,
                    path=manifest.one(node, HT + "absolutePath").value,
                    headers=headers,
                    body=body,
                    statuses={
                        s.value.rsplit("#", 1)[-1][len("StatusCode") :]
                        for s in manifest.objects(response, MF + "expectedStatus")
                    },
                    expected_boolean=None if boolean is None else boolean.value == "true",
                    expected_format=None if fmt is None else fmt.value,
                )
            )
        tests.append(ProtocolTest(entry.value, manifest.name(entry), kind, graphs, requests))
    return tests


def _is_query_request(request: ProtocolRequest) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-query":
        return True
    fields = dict(parse_qsl(urlsplit(request.path).query))
    if request.body is not None and content_type == "application/x-www-form-urlencoded":
        fields.update(parse_qsl(request.body.decode("utf-8", "replace")))
    return "query" in fields


def protocol_target(test: ProtocolTest, request: ProtocolRequest) -> str:
    """The manifest's /sparql/ path on this server: /sparql for queries, /update for updates."""
    rest = (
        request.path[len("/sparql/") :]
        if request.path.startswith("/sparql/")
        else request.path.lstrip("/")
    )
    endpoint = "/update" if test.kind == "update" and not _is_query_request(request) else "/sparql"
    return endpoint + rest


def _boolean_of(content_type: str, body: bytes) -> bool | None:
    media = content_type.split(";")[0].strip()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            return bool(json.loads(body)["boolean"])
        if media in ("application/sparql-results+xml", "application/xml"):
            parsed = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
            return bool(parsed) if isinstance(parsed, ox.QueryBoolean) else None
    except (KeyError, ValueError, SyntaxError):
        return None
    return None


def run_protocol_test(server: Server, test: ProtocolTest) -> Outcome:
    started = time.perf_counter()

    def outcome(status: str, reason: str = "") -> Outcome:
        return Outcome(
            "protocol",
            test.iri,
            test.name,
            status,
            reason,
            kind=test.kind,
            seconds=time.perf_counter() - started,
        )

    for number, request in enumerate(test.requests, start=1):
        headers = dict(request.headers)
        if server.token:
            headers["Authorization"] = f"Bearer {server.token}"
        target = protocol_target(test, request)
        status, content_type, body = server.request(request.method, target, headers, request.body)
        where = f"request {number} ({request.method} {target.split('?')[0]})"
        detail = body.decode("utf-8", "replace")[:300]
        if f"{status // 100}xx" not in request.statuses:
            if status == 422:
                return outcome(
                    "not-applicable",
                    f"{where}: the write was refused by the project's SHACL shapes (422): {detail}",
                )
            return outcome(
                "failed",
                f"{where}: HTTP {status}, expected "
                f"{' or '.join(sorted(request.statuses))}: {detail}",
            )
        media = content_type.split(";")[0].strip()
        if request.expected_format == "RDF" and media not in RDF_MEDIA:
            return outcome("failed", f"{where}: expected an RDF format, got {media!r}")
        if request.expected_format in ("tabular", "boolean") and media not in TABULAR_MEDIA:
            return outcome("failed", f"{where}: expected SPARQL results, got {media!r}")
        if request.expected_format == "boolean" and media in (
            "text/csv",
            "text/tab-separated-values",
        ):
            return outcome("failed", f"{where}: a boolean answer should be XML or JSON")
        if request.expected_boolean is not None:
            answer = _boolean_of(content_type, body)
            if answer != request.expected_boolean:
                return outcome(
                    "failed",
                    f"{where}: expected the boolean {request.expected_boolean}, got {answer!r}",
                )
    return outcome("passed")
