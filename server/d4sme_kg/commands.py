"""The ``serve`` and ``query`` commands (kept apart from cli.py, which holds the data verbs)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import click

from d4sme_kg.errors import KGError, QueryError
from d4sme_kg.formats import GRAPH_FORMATS, RESULT_FORMATS
from d4sme_kg.project import Project
from d4sme_kg.queries import library
from d4sme_kg.results import Term
from d4sme_kg.sparql import analyse
from d4sme_kg.store import QueryRequest


def default_workers(writes: bool = False) -> int:
    """``serve``'s ``--workers`` when none is given (see the option's comment)."""
    cpus = os.cpu_count() or 1
    return max(2, cpus if writes else cpus + 1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port (0: any free one).")
@click.option(
    "--workers",
    # Read-only: one per CPU and one more. A worker's Python waits for its one GIL at
    # every hand-over between granian's threads, and meanwhile another worker can use
    # the core: with 3 workers on 2 CPUs small queries went 1.23-1.35x as fast (ASK {},
    # 0.80-0.86x the CPU each; a point lookup at 10^5 1.27x), scans as fast, and a
    # fourth added nothing (benchmarks/ab.py). More is not better: each worker of an
    # in-memory store ends up with its own copy of the pages pyoxigraph writes to while
    # reading (copy-on-write after the fork). With writes on, one evaluator per CPU.
    default=None,
    show_default="one per CPU and one more; with writes on, one per CPU; at least 2",
    type=click.IntRange(1, 64),
    help="Processes that answer queries: web workers when read-only, evaluator "
    "processes behind one web process when writes are on.",
)
@click.option(
    "--threads",
    # Two: a worker's threads share one GIL, and more of them answering small queries
    # at once cost more CPU each (measured with benchmarks/ab.py: 2-10% fewer queries
    # per second with 4).
    # Queries run with the GIL released, so two per worker still overlap slow ones.
    default=2,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Threads per web worker (with writes on, at least --workers + 2: the one web "
    "worker then serves every request).",
)
@click.option(
    "--store",
    default="auto",
    show_default=True,
    help="memory, a folder for an on-disk store, or sparql+http(s)://… for a remote one; "
    "auto: memory, but --data files past 32 MiB go to a temporary on-disk store that "
    "every worker shares.",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.01),
    help="Longest time a query may run, in seconds.",
)
@click.option(
    "--federate",
    multiple=True,
    metavar="URL",
    help="Allow SERVICE calls to this endpoint (repeatable).",
)
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Serve these RDF files instead of the project's data (repeatable).",
)
@click.option("--no-validate", is_flag=True, help="Serve the data even if it breaks the shapes.")
@click.option(
    "--server",
    type=click.Choice(["granian", "gunicorn"]),
    default="granian",
    show_default=True,
    help="The WSGI server that runs the workers.",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Trust X-Forwarded-* headers from one proxy in front of the server.",
)
@click.pass_obj
def serve(
    project: Project,
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    store: str,
    timeout: float,
    federate: tuple[str, ...],
    data_files: tuple[str, ...],
    no_validate: bool,
    server: str,
    behind_proxy: bool,
) -> None:
    """Serve the graph: SPARQL endpoint, pages and health check (granian or gunicorn)."""
    from d4sme_kg.logs import configure_serve_logging
    from d4sme_kg.serving import ServeOptions, give_threads_the_engine_stack, run
    from d4sme_kg.settings import TOKEN_ENV, Settings, read_token
    from d4sme_kg.startup import open_service
    from d4sme_kg.web import create_app, import_routes

    give_threads_the_engine_stack()
    configure_serve_logging()
    if workers is None:
        workers = default_workers(writes=read_token() is not None)
    settings = Settings.from_environment(
        root=str(project.root),
        base_iri=project.base,
        store=store,
        workers=workers,
        # The server replaces a worker that a runaway query retires: a read-only store
        # is evaluated in the web workers themselves (open_service decides).
        engine="inline",
        server=server,
        timeout=timeout,
        federate=list(federate),
        data_files=list(data_files),
        validate=not no_validate,
        request_threads=threads,
    )
    # Read-only, the web workers answer queries themselves (a remote store holds no data
    # here); with writes on there is one web process, and the evaluator processes hold
    # the one copy of the data the writes change.
    read_only = not settings.update_token
    if not read_only:
        # The one web worker's threads wait on the evaluator processes: one thread for
        # each, and two for everything else (pages, /healthz).
        threads = max(threads, workers + 2)
        settings = dataclasses.replace(settings, request_threads=threads)
    # The routes are imported while the data is being validated.
    kg = open_service(settings, meanwhile=import_routes)
    app = create_app(kg)
    # The service holds the token now; granian copies the environment into every
    # request's WSGI environ, where it has no business.
    os.environ.pop(TOKEN_ENV, None)
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]

    def announce(base: str) -> None:
        # A remote store is not counted at start: at 10⁶ quads and more a count takes long.
        what = f"{kg.size()} triples" if kg.local else kg.description
        click.echo(
            f"d4sme-kg serving {what} at {base}/  (SPARQL endpoint: {base}/sparql)",
            err=True,
        )

    options = ServeOptions(
        host=host,
        port=port,
        processes=workers if read_only else 1,
        threads=threads,
        body_slots=settings.body_slots,
        query_timeout=timeout,
        on_ready=announce,
        on_fork=kg.start,
        on_exit=kg.close,
    )
    run(app, server, options)


@click.command()
@click.argument("query")
@click.option(
    "-f",
    "--format",
    "fmt",
    default="table",
    show_default=True,
    help="table, or a result format (json, xml, csv, tsv) or, for CONSTRUCT and "
    "DESCRIBE, a graph format (turtle, nt, jsonld, xml, trig).",
)
@click.option(
    "--endpoint",
    metavar="URL",
    help="Ask this SPARQL endpoint instead of the "
    "embedded store (e.g. https://query.wikidata.org/sparql).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter of a named query (repeatable).",
)
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.01))
@click.pass_obj
def query(
    project: Project,
    query: str,
    fmt: str,
    endpoint: str | None,
    params: tuple[str, ...],
    timeout: float,
) -> None:
    """Run QUERY (SPARQL text, a .rq file or a named query) and print the answer."""
    text, bindings = _resolve(project, query, params)
    analysis = analyse(text)
    form = analysis.form
    if form == "UPDATE":
        raise QueryError("the query command only reads; send updates to the server's /update")
    graph_result = form in ("CONSTRUCT", "DESCRIBE")
    table = fmt == "table"
    names = [f.name for f in (GRAPH_FORMATS if graph_result else RESULT_FORMATS)]
    if not table and fmt not in names:
        raise KGError(
            f"format {fmt!r} does not fit a {form} query; use table or one of: {', '.join(names)}"
        )
    shown = "turtle" if table and graph_result else ("json" if table else fmt)
    request = QueryRequest.for_text(
        text, analysis, result_format=shown, graph_format=shown, timeout=timeout, bindings=bindings
    )
    if endpoint:
        from d4sme_kg.store.remote import RemoteBackend

        answer = RemoteBackend(endpoint, timeout=timeout).query(request)
    else:
        answer = _local_answer(project, request)
    if table and not graph_result:
        click.echo(render_table(json.loads(answer.body)))
    else:
        sys.stdout.buffer.write(answer.body)
        if not answer.body.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")


def _local_answer(project: Project, request: QueryRequest):  # type: ignore[no-untyped-def]
    from d4sme_kg.settings import Settings
    from d4sme_kg.startup import open_service

    settings = Settings(
        root=str(project.root),
        base_iri=project.base,
        workers=1,
        validate=False,
        timeout=request.timeout,
    )
    service = open_service(settings)
    try:
        return service.query(
            request.text,
            result_format=request.result_format,
            graph_format=request.graph_format,
            bindings=request.bindings,
        )
    finally:
        service.close()


def _resolve(project: Project, query: str, params: tuple[str, ...]) -> tuple[str, dict[str, Term]]:
    from d4sme_kg.namespaces import prefixes
    from d4sme_kg.parameters import bind_parameters

    stored = library(project.queries_dir) if project.queries_dir.is_dir() else {}
    path = Path(query)
    if query in stored:
        named = stored[query]
        # Short IRIs such as kg:kakao follow the project's (possibly changed) base IRI.
        names = {prefix: str(ns) for prefix, ns in prefixes(project.base).items()}
        return named.text, bind_parameters(named, params, names)
    if path.suffix == ".rq" and path.is_file():
        return path.read_text(encoding="utf-8"), bind_parameters(None, params)
    if len(query.split()) == 1 and not query.lstrip().upper().startswith(("SELECT", "ASK")):
        raise KGError(
            f"{query!r} is neither a named query, a .rq file nor SPARQL text; "
            f"named queries: {', '.join(sorted(n for n in stored if '/' not in n))}"
        )
    return query, bind_parameters(None, params)


def render_table(document: dict[str, object]) -> str:
    """SPARQL JSON results as an aligned text table."""
    if "boolean" in document:
        return "yes" if document["boolean"] else "no"
    head = document.get("head", {})
    variables: list[str] = list(head.get("vars", [])) if isinstance(head, dict) else []
    results = document.get("results", {})
    rows = results.get("bindings", []) if isinstance(results, dict) else []
    cells = [[_cell(row.get(name)) for name in variables] for row in rows]
    widths = [max([len(v), *(len(r[i]) for r in cells)]) for i, v in enumerate(variables)]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: dict[str, str] | None) -> str:
    if value is None:
        return ""
    if value["type"] == "literal" and "xml:lang" in value:
        return f"{value['value']}@{value['xml:lang']}"
    if value["type"] == "bnode":
        return f"_:{value['value']}"
    return value["value"]
