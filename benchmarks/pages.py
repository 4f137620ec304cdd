"""Times the server-side rendering of the HTML pages on the article's graph.

In one process, with Flask's test client (no HTTP, no browser): the app is built once
(``create_app({"WORKERS": 1, "VALIDATE": False})``: one evaluator process, no SHACL at
start), every page is requested a few times untimed (warm-up: imports, templates, the
label cache), then N timed times. Every request is distinct (a changing, harmless
query-string parameter, and for the query page a changing comment in the query), so
that no cache could answer a request it has seen. The label and kind caches the pages
keep per store state stay warm, as they do in the server.

    python benchmarks/pages.py                 # 50 runs per page, English
    python benchmarks/pages.py --runs 200 --lang ko

Prints a table (median, p95, min, max in ms against the 100 ms target) and writes
benchmarks/results/pages.json and pages.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TARGET_MS = 100.0


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def pages(query_text: str, lang: str) -> list[tuple[str, str, Callable[[int], str], str]]:
    """(name, what, the URL of request ``n``, a marker the page must contain)."""
    return [
        ("entity kakao", "/id/kakao", lambda n: f"/id/kakao?lang={lang}&n={n}", "<svg"),
        (
            "entity roundtable",
            "/id/d4sme-roundtable-2019",
            lambda n: f"/id/d4sme-roundtable-2019?lang={lang}&n={n}",
            "<svg",
        ),
        (
            "query page",
            "/?query=<attendees>",
            lambda n: f"/?lang={lang}&query=" + quote(f"{query_text}\n# n={n}\n", safe=""),
            'class="results"',
        ),
        (
            "named query claims",
            "/queries/claims",
            # timeout= is the only free key (others are the query's parameters): 60 s + n µs.
            lambda n: f"/queries/claims?lang={lang}&timeout=60.{n:06d}",
            'class="results"',
        ),
        ("graph (extra)", "/graph", lambda n: f"/graph?lang={lang}&n={n}", "<svg"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per page")
    parser.add_argument("--lang", choices=("en", "ko"), default="en")
    parser.add_argument("--out", default="pages", help="result file base name")
    args = parser.parse_args(argv)

    from d4sme_kg.web import create_app

    began = time.perf_counter()
    app = create_app({"WORKERS": 1, "VALIDATE": False})
    startup = time.perf_counter() - began
    client = app.test_client()
    service = app.extensions["d4sme_kg"]
    attendees = service.project.queries_dir / "attendees.rq"
    triples = service.backend.size()
    counter = 0
    rows: list[dict[str, Any]] = []
    try:
        for name, what, url, marker in pages(attendees.read_text(encoding="utf-8"), args.lang):
            first_ms = 0.0
            times: list[float] = []
            size = 0
            for index in range(args.warmup + args.runs):
                counter += 1
                target = url(counter)
                began = time.perf_counter()
                response = client.get(target, headers={"Accept": "text/html"})
                body = response.get_data()
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200 or marker.encode() not in body:
                    print(f"{name}: {target[:80]} answered {response.status_code}", file=sys.stderr)
                    return 1
                if index == 0:
                    first_ms = elapsed
                if index >= args.warmup:
                    times.append(elapsed)
                    size = len(body)
            row = {
                "page": name,
                "path": what,
                "runs": len(times),
                "median_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "min_ms": min(times),
                "max_ms": max(times),
                "first_ms": first_ms,
                "bytes": size,
            }
            row["within_target"] = row["p95_ms"] < TARGET_MS
            rows.append(row)
            print(
                f"{name:20} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                f"({'ok' if row['within_target'] else 'OVER'} {TARGET_MS:.0f} ms)",
                flush=True,
            )
    finally:
        service.backend.close()

    meta = {
        "lang": args.lang,
        "runs": args.runs,
        "warmup": args.warmup,
        "target_ms": TARGET_MS,
        "triples": triples,
        "app_start_s": round(startup, 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(
        json.dumps({"meta": meta, "pages": rows}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (RESULTS / f"{args.out}.md").write_text(markdown(meta, rows), encoding="utf-8")
    print(f"wrote {RESULTS / (args.out + '.json')} and .md")
    return 0 if all(r["within_target"] for r in rows) else 3


def markdown(meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = [
        f"# Page rendering ({meta['lang']}), {meta['date']}",
        "",
        f"Flask test client, in process; {meta['warmup']} warm-up + {meta['runs']} timed "
        f"requests per page, each distinct; {meta['triples']} triples; {meta['cpus']} CPUs, "
        f"load average {meta['load_average']:.2f}. Target: p95 < {meta['target_ms']:.0f} ms.",
        "",
        "The first (cold) request of the first page also builds the label caches.",
        "",
        "| page | path | median ms | p95 ms | min ms | max ms | first (cold) ms | KiB | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | `{r['path']}` | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['min_ms']:.1f} | {r['max_ms']:.1f} | {r['first_ms']:.1f} | "
            f"{r['bytes'] / 1024:.0f} | {'ok' if r['within_target'] else 'over'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
