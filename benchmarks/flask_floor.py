"""The floor a Flask endpoint can reach on this machine, beside the Oxigraph server.

A bare Flask app that answers ``ASK`` from an in-process pyoxigraph store (no safety
rules, no evaluator processes, no negotiation) under gunicorn with two sync workers,
and the ``oxigraph`` server, both loaded with the article's graph, each sent the same
small ASK queries by four keep-alive clients. The ratio of the two is the best any
Flask service can score on the endpoint benchmark's per-request-bound queries here.

    python benchmarks/flask_floor.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import free_port, http, oxigraph_server, wait_until_ready  # noqa: E402

QUERY = "ASK { <https://w3id.org/d4sme-kg/id/kakao> ?p ?o }"

APP = textwrap.dedent("""
    import pyoxigraph as ox
    from flask import Flask, Response, request
    store = ox.Store()
    store.load(path={data!r}, format=ox.RdfFormat.N_QUADS)
    app = Flask(__name__)

    @app.route("/sparql")
    def sparql():
        answer = store.query(request.args["query"], use_default_graph_as_union=True)
        body = '{{"head":{{}},"boolean":%s}}' % ("true" if answer else "false")
        return Response(body, mimetype="application/sparql-results+json")
""")


def throughput(port: int, path: str, total: int, clients: int = 4) -> float:
    def client(k: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(total // clients):
            text = f"{QUERY} # {k}-{i}"  # distinct requests: no cache can answer
            connection.request("GET", path + urllib.parse.urlencode({"query": text}))
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        connection.close()

    failures: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            client(k)
        except BaseException as error:  # reported below: a failed client voids the figure
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} client(s) failed: {failures[0]!r}")
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "article.nq"
        data.write_bytes(
            subprocess.run(
                [sys.executable, "-m", "d4sme_kg", "export", "-f", "nquads"],
                capture_output=True,
                check=True,
            ).stdout
        )
        (Path(folder) / "floor_app.py").write_text(APP.format(data=str(data)), encoding="utf-8")
        port = free_port()
        gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
        flask = subprocess.Popen(
            [gunicorn, "-w", "2", "--preload", "-b", f"127.0.0.1:{port}", "floor_app:app"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D")
            with oxigraph_server() as oxigraph:
                reply = http(
                    "POST",
                    f"{oxigraph}/store",
                    data.read_bytes(),
                    {"Content-Type": "application/n-quads"},
                )
                assert reply.status in (200, 201, 204)
                ox_port = int(oxigraph.rsplit(":", 1)[1])
                throughput(port, "/sparql?", 300)  # warm-up
                throughput(ox_port, "/query?", 300)
                flask_rate = throughput(port, "/sparql?", args.requests)
                ox_rate = throughput(ox_port, "/query?", args.requests)
        finally:
            flask.terminate()
            flask.wait(timeout=10)
    print(f"bare Flask + gunicorn (2 sync workers) + pyoxigraph: {flask_rate:8.0f} req/s")
    print(f"oxigraph serve (in memory):                          {ox_rate:8.0f} req/s")
    print(f"ratio: {flask_rate / ox_rate:.2f}x")


if __name__ == "__main__":
    main()
