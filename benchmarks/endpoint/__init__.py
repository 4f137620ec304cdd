"""The SPARQL endpoint benchmark: our server against the Oxigraph server and rdflib-endpoint.

    python benchmarks/endpoint                    # the article and 1e5, in memory and on disk
    python benchmarks/endpoint --quick            # a few minutes: checks that it runs
    python benchmarks/endpoint --sizes 1e6 --servers ours,oxigraph

For each size every server gets the same data; every answer is first checked against
an in-process pyoxigraph store; then wrk (a native load generator) sends each query to
each server in turns, every request distinct, next to its own ceiling (an empty Oxigraph
server answering ``ASK {}``). Figures: throughput, server CPU per request (the process
tree, from /proc), one client's latency, memory, geo-means of small and heavy queries
and of the whole mix against the other servers, and, apart, what repeated identical
requests get from HTTP caching. Results go to benchmarks/results/ (JSON and Markdown).
"""

from .procs import tree_cpu_seconds

__all__ = ["tree_cpu_seconds"]
