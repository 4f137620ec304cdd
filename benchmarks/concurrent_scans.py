"""What running scans at the same time costs pyoxigraph itself: no server, no HTTP.

One in-memory store is filled from an N-Quads file, then each query is run ``--each``
times one after the other on one thread, and the same number of times by two threads
at once (``--each`` / 2 each). Reported per query, the medians over ``--repeats``
tries: how much more CPU the two threads spent than the one (1.0: concurrency is
free), and how much sooner they finished (2.0: both cores fully used). pyoxigraph
releases the GIL while it evaluates, so the two threads run in parallel; what they
share is the store's memory and the processor's caches.

    python benchmarks/concurrent_scans.py [--data benchmarks/results/synthetic-1000000.nq]
        [--queries label_en,aggregate] [--each 6] [--repeats 5]

The queries are the endpoint benchmark's, from benchmarks/results/queries/ (SIZE-NAME.rq,
written by ``benchmarks/endpoint``); SIZE is read from the data file's name.
"""

from __future__ import annotations

import argparse
import re
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

RESULTS = Path(__file__).resolve().parent / "results"


def timed(work: Callable[[], None]) -> tuple[float, float]:
    """Wall and process CPU seconds of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=RESULTS / "synthetic-1000000.nq")
    parser.add_argument("--queries", default="label_en,aggregate")
    parser.add_argument("--each", type=int, default=6, help="runs per try (even)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    count = re.search(r"(\d+)", args.data.name)
    size = f"1e{len(count.group(1)) - 1}" if count else "article"
    store = ox.Store()
    store.bulk_load(path=str(args.data), format=ox.RdfFormat.N_QUADS)
    print(f"{args.data.name}: {len(store):,} quads; {args.each} runs per try")

    for name in args.queries.split(","):
        text = (RESULTS / "queries" / f"{size}-{name}.rq").read_text()
        one_run, cpu_ratio, cpu_range, speedup = compare(store, text, args.each, args.repeats)
        print(
            f"{name:14s} one thread {one_run * 1000:7.1f} ms a run; "
            f"two threads at once: CPU {cpu_ratio:.2f}× "
            f"(tries {cpu_range[0]:.2f}–{cpu_range[1]:.2f}), done {speedup:.2f}× sooner"
        )


def compare(
    store: ox.Store, text: str, each: int, repeats: int
) -> tuple[float, float, tuple[float, float], float]:
    """One run's wall seconds on one thread; the medians of the CPU ratio (two threads
    against one) and of the speed-up, and the range of the CPU ratio over the tries."""

    def run(times: int) -> None:
        for _ in range(times):
            solutions = store.query(text, use_default_graph_as_union=True)
            assert isinstance(solutions, ox.QuerySolutions), "the queries are SELECTs"
            solutions.serialize(format=ox.QueryResultsFormat.JSON)

    def in_two_threads() -> None:
        threads = [threading.Thread(target=run, args=(each // 2,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    run(1)  # warm
    cpu_ratios, speedups, one_runs = [], [], []
    for _ in range(repeats):
        one_wall, one_cpu = timed(lambda: run(each))
        two_wall, two_cpu = timed(in_two_threads)
        cpu_ratios.append(two_cpu / one_cpu)
        speedups.append(one_wall / two_wall)
        one_runs.append(one_wall / each)
    return (
        statistics.median(one_runs),
        statistics.median(cpu_ratios),
        (min(cpu_ratios), max(cpu_ratios)),
        statistics.median(speedups),
    )


if __name__ == "__main__":
    main()
