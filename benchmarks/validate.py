"""Times loading and SHACL validation of the project, cold and warm.

- cold: ``d4sme-kg validate`` and ``d4sme-kg stats`` as subprocesses (imports, load,
  validation, report), several runs, median (target: cold validate under 2 s);
- warm: in one process, import once, then time ``load_project`` and
  ``validate_knowledge_graph`` several times; the import time is measured apart;
- the start of the server on the article graph (process start -> /healthz ready), which
  loads and validates the same data.

    python benchmarks/validate.py            # 5 cold runs, 5 warm runs
    python benchmarks/validate.py --runs 9 --no-serve

Writes benchmarks/results/validate.json and validate.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from endpoint.procs import load_average, machine  # noqa: E402

RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
CLI = str(BIN / "d4sme-kg")
TARGET_COLD_VALIDATE = 2.0
TARGET_START = 2.0


def cold(command: list[str], runs: int) -> dict[str, Any]:
    times, cpu, codes, peak_kb = [], [], [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, timeout=300, cwd=str(RESULTS))
        times.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time (user + system) of the run: unlike wall time, hardly changed by other
        # work on the machine.
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        codes.append(done.returncode)
        # ru_maxrss of the finished child (kB); the largest child so far, a fair upper bound.
        peak_kb.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {
        "command": " ".join(Path(command[0]).name if i == 0 else c for i, c in enumerate(command)),
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "all_s": [round(t, 3) for t in times],
        "exit_codes": sorted(set(codes)),
        "cpu_median_s": round(statistics.median(cpu), 3),
        "max_rss_mb": round(max(peak_kb) / 1024, 1),
    }


def imports_cold(runs: int) -> dict[str, Any]:
    """The import cost alone: a fresh interpreter importing what validate imports."""
    code = (
        "import time; t=time.perf_counter(); import d4sme_kg.cli, d4sme_kg.validation, "
        "pyshacl; print(time.perf_counter()-t)"
    )
    values = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
        )
        values.append(float(done.stdout.strip()))
    return {
        "runs": runs,
        "median_s": round(statistics.median(values), 3),
        "all_s": [round(v, 3) for v in values],
    }


def warm(runs: int) -> dict[str, Any]:
    began = time.perf_counter()
    from d4sme_kg.loading import load_project
    from d4sme_kg.project import Project
    from d4sme_kg.validation import validate_knowledge_graph

    import_s = time.perf_counter() - began
    project = Project.from_root(None)
    loads, validations, conforms, cpu_validate = [], [], set(), []
    for _ in range(runs):
        t0 = time.perf_counter()
        kg = load_project(project)
        t1 = time.perf_counter()
        c1 = time.process_time()
        report = validate_knowledge_graph(kg)
        t2 = time.perf_counter()
        cpu_validate.append(time.process_time() - c1)
        loads.append(t1 - t0)
        validations.append(t2 - t1)
        conforms.add(report.conforms)
    triples = sum(len(g) for g in kg.parts.values())
    return {
        "runs": runs,
        "import_s": round(import_s, 3),
        "triples_loaded": triples,
        "conforms": sorted(conforms),
        "load_median_s": round(statistics.median(loads), 3),
        "load_all_s": [round(v, 3) for v in loads],
        "validate_median_s": round(statistics.median(validations), 3),
        "validate_all_s": [round(v, 3) for v in validations],
        "validate_cpu_median_s": round(statistics.median(cpu_validate), 3),
        "load_plus_validate_median_s": round(
            statistics.median(a + b for a, b in zip(loads, validations, strict=True)), 3
        ),
    }


def serve_start(runs: int, timeout: float = 120.0) -> dict[str, Any]:
    """Process start -> /healthz answers 200, for the article graph (load + validation)."""
    times, reported = [], []
    for _ in range(runs):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        began = time.perf_counter()
        process = subprocess.Popen(
            [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while time.perf_counter() - began < timeout:
                if process.poll() is not None:
                    raise RuntimeError(f"d4sme-kg serve exited with {process.returncode}")
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/healthz", timeout=2
                    ) as response:
                        if response.status == 200:
                            times.append(time.perf_counter() - began)
                            reported.append(json.loads(response.read())["startSeconds"])
                            break
                except OSError:
                    time.sleep(0.02)
        finally:
            # The process group: the server's evaluator processes go with it.
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    return {
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "all_s": [round(t, 3) for t in times],
        "service_start_seconds_median": round(statistics.median(reported), 3),
    }


def markdown(report: dict[str, Any]) -> str:
    c, w = report["cold"], report["warm"]
    verdict = "✅" if c["validate"]["median_s"] < TARGET_COLD_VALIDATE else "❌"
    lines = [
        "# Load and validation benchmark",
        "",
        f"{report['meta']['date']} · {report['meta']['machine']} · {report['meta']['cpus']} CPUs"
        f" · load average {report['meta']['load_average_before']} before, "
        f"{report['meta']['load_average_after']} after",
        "",
        "| measurement | median s | min s | max s | runs | target |",
        "|---|---:|---:|---:|---:|---:|",
        f"| cold `d4sme-kg validate`, CPU time (user+system) | "
        f"{c['validate']['cpu_median_s']} | | | {c['validate']['runs']} | – |",
        f"| cold `d4sme-kg validate` (exit {c['validate']['exit_codes']}) | "
        f"{c['validate']['median_s']} {verdict} | {c['validate']['min_s']} | "
        f"{c['validate']['max_s']} | {c['validate']['runs']} | < {TARGET_COLD_VALIDATE} s |",
        f"| cold `d4sme-kg stats` | {c['stats']['median_s']} | {c['stats']['min_s']} | "
        f"{c['stats']['max_s']} | {c['stats']['runs']} | – |",
        f"| cold `d4sme-kg --version` (interpreter + CLI start) | {c['version']['median_s']} | "
        f"{c['version']['min_s']} | {c['version']['max_s']} | {c['version']['runs']} | – |",
        f"| imports of cli + validation + pyshacl, fresh interpreter | "
        f"{report['imports']['median_s']} | | | {report['imports']['runs']} | – |",
        f"| warm `load_project` ({w['triples_loaded']} triples, all parts) | "
        f"{w['load_median_s']} | {min(w['load_all_s'])} | {max(w['load_all_s'])} | "
        f"{w['runs']} | – |",
        f"| warm `validate_knowledge_graph` (conforms: {w['conforms']}) | "
        f"{w['validate_median_s']} | {min(w['validate_all_s'])} | {max(w['validate_all_s'])} | "
        f"{w['runs']} | – |",
        f"| warm `validate_knowledge_graph`, CPU time | {w['validate_cpu_median_s']} | | | "
        f"{w['runs']} | – |",
        f"| warm load + validate | {w['load_plus_validate_median_s']} | | | {w['runs']} | – |",
    ]
    if "serve" in report:
        s = report["serve"]
        verdict = "✅" if s["median_s"] < TARGET_START else "❌"
        lines.append(
            f"| `d4sme-kg serve` start → /healthz ready (article, validating) | "
            f"{s['median_s']} {verdict} | {min(s['all_s'])} | {max(s['all_s'])} | "
            f"{s['runs']} | < {TARGET_START} s |"
        )
        lines.append(
            f"| … of which the service's own startSeconds (load + validate + fork) | "
            f"{s['service_start_seconds_median']} | | | {s['runs']} | – |"
        )
    lines += ["", f"Peak RSS of a cold validate: {c['validate']['max_rss_mb']} MB.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold and warm runs (median kept)")
    parser.add_argument("--no-serve", action="store_true", help="skip the server start time")
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "meta": {
            **machine(),
            "load_average_before": load_average(),
        }
    }
    # One untimed run first, so that every timed cold run finds the .pyc files written.
    subprocess.run([CLI, "validate"], capture_output=True, timeout=300, cwd=str(RESULTS))
    report["cold"] = {
        "validate": cold([CLI, "validate"], args.runs),
        "stats": cold([CLI, "stats"], args.runs),
        "version": cold([CLI, "--version"], args.runs),
    }
    report["imports"] = imports_cold(args.runs)
    report["warm"] = warm(args.runs)
    if not args.no_serve:
        report["serve"] = serve_start(args.runs)
    report["meta"]["load_average_after"] = load_average()
    (RESULTS / "validate.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    (RESULTS / "validate.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
