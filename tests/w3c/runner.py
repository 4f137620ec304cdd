"""W3C SPARQL 1.1 conformance runner for the d4sme-kg endpoint, over HTTP.

It reads the W3C test manifests where they lie (they are never copied into this
project), starts ``d4sme-kg serve`` on the test data and checks three things:

- query evaluation (evaluation.py): the approved ``mf:QueryEvaluationTest`` and
  ``mf:CSVResultFormatTest`` entries of the SPARQL 1.1 folders listed in
  ``evaluation.EVALUATION_FOLDERS``, their answers compared by answers.py;
- the SPARQL 1.1 Protocol tests (``sparql11/protocol``), queries and updates (protocol.py);
- the service description tests (``sparql11/service-description``,
  service_description.py).

The manifests are read by manifests.py, the server is started by suite_server.py, and
the verdicts are gathered in outcomes.py; this module runs the whole.

One server answers every evaluation test: each data file is loaded once, into a named
graph whose name is the file's ``file:`` URL, and every query carries its own dataset as
protocol parameters (``default-graph-uri`` for ``qt:data``, ``named-graph-uri`` for
``qt:graphData``). A query with its own FROM/FROM NAMED is sent without them.

Usage::

    python -m tests.w3c.runner --suite ../shared/w3c/rdf-tests [--report report.json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .evaluation import combined_data, evaluation_tests, run_evaluation_test
from .outcomes import Report
from .protocol import protocol_tests, run_protocol_test
from .service_description import run_service_description
from .suite_server import Server, running

REPO = Path(__file__).resolve().parents[2]
SUITE_ENV = "D4SME_KG_W3C_TESTS"


def find_suite(explicit: str | Path | None = None) -> Path | None:
    """The rdf-tests folder: explicit, $D4SME_KG_W3C_TESTS, or ../shared/w3c/rdf-tests."""
    for candidate in (
        explicit,
        os.environ.get(SUITE_ENV),
        REPO / ".." / "shared" / "w3c" / "rdf-tests",
    ):
        if candidate and (Path(candidate) / "sparql11").is_dir():
            return Path(candidate).resolve()
    return None


def run(
    suite: Path,
    *,
    evaluation: bool = True,
    protocol: bool = True,
    service_description: bool = True,
    only: str | None = None,
) -> Report:
    started = time.perf_counter()
    sparql11 = suite / "sparql11"
    report = Report()
    eval_tests = evaluation_tests(sparql11) if evaluation else []
    if only:
        eval_tests = [t for t in eval_tests if only in t.iri]
    proto_tests = protocol_tests(sparql11) if protocol else []
    protocol_graphs = {name: path for t in proto_tests for name, path in t.graphs.items()}
    with tempfile.TemporaryDirectory(prefix="d4sme-kg-w3c-") as folder:
        data, graphs = combined_data(eval_tests, protocol_graphs, Path(folder))
        writes = [t for t in proto_tests if t.kind == "update"]
        update_server = Server([data], token=secrets.token_urlsafe(16)) if writes else None
        if update_server is not None:
            update_server.start()
        try:
            with running([data]) as server:
                for test in eval_tests:
                    report.outcomes.append(run_evaluation_test(server, test, graphs))
                for ptest in proto_tests:
                    if ptest.kind == "query":
                        report.outcomes.append(run_protocol_test(server, ptest))
                if service_description:
                    report.outcomes.extend(run_service_description(server, sparql11))
            if update_server is not None:
                for ptest in writes:
                    report.outcomes.append(run_protocol_test(update_server, ptest))
        finally:
            if update_server is not None:
                update_server.stop()
    report.seconds = time.perf_counter() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite",
        help="the rdf-tests folder (holding sparql11/); default: "
        f"${SUITE_ENV} or ../shared/w3c/rdf-tests",
    )
    parser.add_argument("--report", help="write the outcomes as JSON to this file")
    parser.add_argument("--only", help="run only the evaluation tests whose IRI contains this")
    parser.add_argument("--no-protocol", action="store_true")
    parser.add_argument("--no-evaluation", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every test")
    args = parser.parse_args(argv)
    suite = find_suite(args.suite)
    if suite is None:
        parser.error("no W3C rdf-tests folder found (give --suite or set " + SUITE_ENV + ")")
    report = run(suite, evaluation=not args.no_evaluation, protocol=not args.no_protocol)
    for outcome in report.outcomes:
        if args.verbose or outcome.status != "passed":
            reason = f": {outcome.reason}" if outcome.reason else ""
            print(f"{outcome.status.upper():15} {outcome.suite:20} {outcome.short}{reason}")
    print(report.summary())
    if args.report:
        Path(args.report).write_text(
            json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
