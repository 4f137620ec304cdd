"""Figures from the runs: per query, geo-means by kind of query, targets, Markdown."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from typing import Any

from .queries import PING, QUERIES

#: (ours, theirs) pairs whose ratio is reported when both ran: the same kind of storage.
PAIRS = (("ours", "oxigraph"), ("ours-disk", "oxigraph-disk"), ("ours", "rdflib"))
#: Kinds of query by the engine's own time (pyoxigraph in process, in memory).
SMALL_MS = 1.0
HEAVY3_MS = 3.0
GROUPS = {
    "all": "the whole mix",
    "small": f"small (< {SMALL_MS:g} ms in the engine)",
    "heavy": f"heavy (≥ {SMALL_MS:g} ms)",
    "heavy3": f"heavy (≥ {HEAVY3_MS:g} ms)",
}
#: A figure at or above this share of the generator's ceiling is marked: it may be the
#: generator's limit rather than the server's.
CEILING_SHARE = 0.85
#: wrk keeping its threads this busy is at its limit too.
WRK_BUSY = 0.9
MIX = [name for name, _what, _text in QUERIES]


def summarise(entry: dict[str, Any], ceiling_qps: float, connections: int) -> dict[str, Any]:
    """One (server, query): median throughput over the rounds, CPU per request."""
    runs = entry.pop("runs", [])
    one = entry.pop("one_client", {})
    summary = dict(entry)
    summary["one_client"] = one
    if not runs:
        return summary
    answered = sum(r["answered"] for r in runs)
    rates = sorted(r["qps"] for r in runs)
    errors: Counter[str] = Counter()
    for run in runs:
        errors.update(run["errors"])
    qps = statistics.median(rates)
    busy = max(r["wrk_busy"] for r in runs)
    summary.update(
        {
            "qps": round(qps, 2),
            "qps_rounds": [round(r, 2) for r in rates],
            "answered": answered,
            "errors": dict(errors),
            "seconds": round(sum(r["seconds"] for r in runs), 2),
            "server_cpu_ms": round(sum(r["server_cpu"] for r in runs) * 1000 / answered, 4)
            if answered
            else None,
            "wrk_cpu_ms": round(sum(r["wrk_cpu"] for r in runs) * 1000 / answered, 4)
            if answered
            else None,
            "wrk_busy": round(busy, 3),
            "others_share": round(statistics.mean(r["others_share"] for r in runs), 3),
            "load_p50_ms": statistics.median(r["load_p50_ms"] for r in runs),
            "load_p99_ms": max(r["load_p99_ms"] for r in runs),
            "settled_s": max(r.get("settled_s", 0) for r in runs),
            "at_ceiling": bool(
                ceiling_qps and (qps >= CEILING_SHARE * ceiling_qps or busy >= WRK_BUSY)
            ),
            # Fewer than two answers per connection and round: a rough figure.
            "few": answered < 2 * len(runs) * connections,
        }
    )
    return summary


def group_of(engine_ms: float) -> list[str]:
    groups = ["all", "small" if engine_ms < SMALL_MS else "heavy"]
    if engine_ms >= HEAVY3_MS:
        groups.append("heavy3")
    return groups


def geomean_ratios(
    mine: dict[str, Any], theirs: dict[str, Any], names: list[str]
) -> dict[str, Any]:
    """Throughput ratio (ours/theirs) and CPU ratio (their CPU per request / ours),
    geometric means over ``names`` answered right by both; how many of the figures
    were at the generator's ceiling (theirs: the ratio may be lower; ours: higher)."""
    qps_logs, cpu_logs, used = [], [], []
    capped_theirs = capped_ours = 0
    for name in names:
        a, b = mine.get(name, {}), theirs.get(name, {})
        if a.get("status") != "OK" or b.get("status") != "OK" or not a.get("qps"):
            continue
        if not b.get("qps"):
            continue
        qps_logs.append(math.log(a["qps"] / b["qps"]))
        if a.get("server_cpu_ms") and b.get("server_cpu_ms"):
            cpu_logs.append(math.log(b["server_cpu_ms"] / a["server_cpu_ms"]))
        used.append(name)
        capped_theirs += bool(b.get("at_ceiling"))
        capped_ours += bool(a.get("at_ceiling"))
    return {
        "qps": round(math.exp(statistics.mean(qps_logs)), 3) if qps_logs else None,
        "cpu": round(math.exp(statistics.mean(cpu_logs)), 3) if cpu_logs else None,
        "queries": used,
        "theirs_at_ceiling": capped_theirs,
        "ours_at_ceiling": capped_ours,
    }


def ratios(size: dict[str, Any]) -> dict[str, dict[str, Any]]:
    servers = size["servers"]
    found: dict[str, dict[str, Any]] = {}
    for mine, theirs in PAIRS:
        if "queries" not in servers.get(mine, {}) or "queries" not in servers.get(theirs, {}):
            continue
        per_group: dict[str, Any] = {}
        for group in GROUPS:
            names = [n for n in MIX if group in group_of(size["engine_ms"][n])]
            per_group[group] = geomean_ratios(
                servers[mine]["queries"], servers[theirs]["queries"], names
            )
        found[f"{mine}/{theirs}"] = per_group
    return found


def _mix_target(label: str) -> float | None:
    return 0.3 if label == "article" else (0.5 if label in ("1e5", "1e6") else None)


def targets(size: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 14's targets, checked on this size's figures."""
    label, found = size["dataset"], []

    def add(what: str, value: float | None, goal: float, at_most: bool = False) -> None:
        if value is None:
            return
        met = value <= goal if at_most else value >= goal
        found.append({"what": what, "value": value, "goal": goal, "met": met, "at_most": at_most})

    for pair in ("ours/oxigraph", "ours-disk/oxigraph-disk"):
        if pair not in size["ratios"]:
            continue
        goal = _mix_target(label)
        if goal is not None:
            add(f"{pair}, geo-mean of the mix", size["ratios"][pair]["all"]["qps"], goal)
        add(f"{pair}, heavy queries (≥ 3 ms)", size["ratios"][pair]["heavy3"]["qps"], 0.9)
    if "ours/rdflib" in size["ratios"]:
        mix = size["ratios"]["ours/rdflib"]["all"]["qps"]
        add("ours/rdflib-endpoint, geo-mean of the mix", mix, 20)
    for key in ("ours", "ours-disk"):
        ping = size["servers"].get(key, {}).get("queries", {}).get(PING[0], {})
        add(f"{key}: server CPU per ASK {{}} (ms)", ping.get("server_cpu_ms"), 0.3, at_most=True)
    return found


# -- Markdown --------------------------------------------------------------------------------


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _ratio_cell(found: dict[str, Any]) -> str:
    if found.get("qps") is None:
        return "–"
    cell = f"{found['qps']:.3g}× ({len(found['queries'])} q)"
    if found["theirs_at_ceiling"]:
        cell += f" ‡{found['theirs_at_ceiling']}"
    return cell


def markdown(report: dict[str, Any]) -> str:
    meta, args = report["meta"], report["meta"]["args"]
    out = [
        "# Endpoint benchmark",
        "",
        f"{meta['date']} · {meta['machine']} · {meta['cpus']} CPUs · Python {meta['python']} · "
        f"pyoxigraph {meta['pyoxigraph']} · {meta['oxigraph']} · rdflib-endpoint "
        f"{meta['rdflib_endpoint']} · {meta['wrk']} · d4sme-kg {meta['d4sme_kg']} · "
        f"{meta['total_seconds']} s",
        "",
        f"Load generator: wrk, {args['wrk_threads']} thread(s), {args['connections']} "
        f"keep-alive connections, {args['seconds']} s per query and server in each of "
        f"{args['rounds']} round(s) (longer for slow queries, at most {args['slow_seconds']} s), "
        "the servers taking turns query by query; every request a POST made distinct by a "
        "trailing comment (no cache can answer it); the median throughput over the rounds. "
        "Every answer was first checked against an in-process pyoxigraph reference "
        "(FAIL = a wrong answer, left out of the ratios). cpu/req = CPU time of the "
        "server's whole process tree (workers, evaluators) per answered request, from "
        "/proc. One client = one Python keep-alive client asking in a row "
        f"({args['latency_requests']} requests or {args['latency_seconds']} s), its own "
        "time included. Ours with "
        f"--workers {args['workers'] or 'default'} --threads {args['threads'] or 'default'}.",
        "",
        "‡ = measured at the load generator's ceiling (≥ "
        f"{CEILING_SHARE:.0%} of the rate wrk reaches against an empty Oxigraph server "
        f"answering ASK {{}} in the same round, or wrk ≥ {WRK_BUSY:.0%} busy): the server "
        "may be faster than the figure. In a ratio, ‡n = n of the other server's figures "
        "were so capped, so the ratio may be lower than shown. The CPU ratio (their server "
        "CPU per request / ours) is not capped by the generator.",
    ]
    # The run's own servers and wrk raise the load average once it has begun: the load
    # before anything started, and the share of CPU other processes took meanwhile.
    noisy = [s for s in report["sizes"] if s["others_share"] > 0.1]
    if meta["load_average_before"] > 0.5 or noisy:
        out += [
            "",
            f"**⚠ Measured on a busy machine** (load average {meta['load_average_before']} "
            "before the run"
            + "".join(
                f"; {s['dataset']}: other processes took {s['others_share']:.0%} of the CPUs"
                for s in noisy
            )
            + "): the figures are distorted; measure again on a quiet machine.",
        ]
    out += ["", "## Geo-means", ""]
    head = "| size | pair | " + " | ".join(GROUPS[g] for g in GROUPS) + " | CPU ratio (mix) |"
    out += [head, "|---|---|" + "---:|" * (len(GROUPS) + 1)]
    for size in report["sizes"]:
        for pair, per_group in size["ratios"].items():
            cells = [_ratio_cell(per_group[g]) for g in GROUPS]
            cpu = per_group["all"]["cpu"]
            out.append(
                f"| {size['dataset']} | {pair} | " + " | ".join(cells) + f" | {_num(cpu)}× |"
            )
    out += ["", "## Targets (issue 14)", ""]
    for size in report["sizes"]:
        for target in size["targets"]:
            mark = "✅" if target["met"] else "❌"
            sign = "≤" if target["at_most"] else "≥"
            out.append(
                f"- {mark} {size['dataset']}: {target['what']}: {_num(target['value'])} "
                f"(target {sign} {target['goal']:g})"
            )
    out += [
        "",
        "## The generator",
        "",
        "| size | ceiling qps (rounds) | wrk busy at the ceiling | wrk busy, most in any "
        "figure | figures at the ceiling | load average (before, after) | other processes |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    for size in report["sizes"]:
        ceiling = size["ceiling"]
        capped = [
            f"{key} {name}"
            for key, server in size["servers"].items()
            for name, q in server.get("queries", {}).items()
            if q.get("at_ceiling")
        ]
        busiest = max(
            (
                q.get("wrk_busy", 0.0)
                for server in size["servers"].values()
                for q in server.get("queries", {}).values()
            ),
            default=0.0,
        )
        out.append(
            f"| {size['dataset']} | {_num(ceiling['qps'])} "
            f"({', '.join(_num(q) for q in ceiling['qps_rounds'])}) | "
            f"{ceiling['wrk_busy']:.0%} | {busiest:.0%} | {', '.join(capped) or 'none'} | "
            f"{size['load_average']['start']}, {size['load_average']['end']} | "
            f"{size['others_share']:.0%} |"
        )
    out += [
        "",
        "## Servers",
        "",
        "| size | server | start s | load s | ready s | RSS idle MB | PSS idle MB | "
        "RSS peak MB | PSS peak MB | procs | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in report["sizes"]:
        for key, record in size["servers"].items():
            if "skipped" in record:
                out.append(f"| {size['dataset']} | {key} | skipped: {record['skipped']} |")
                continue
            idle, peak = record["memory_idle"], record.get("memory_peak", {})
            out.append(
                f"| {size['dataset']} | {key} | {record['start_s']} | {record['load_s']} | "
                f"{record['ready_s']} | {idle['rss_mb']} | {idle['pss_mb']} | "
                f"{peak.get('rss_mb', '–')} | {peak.get('pss_mb', '–')} | "
                f"{idle['processes']} | {record['note']} |"
            )
    for size in report["sizes"]:
        out += _size_tables(size)
    out += _cache_tables(report)
    out += ["", "## Queries", ""]
    for name, spec in meta["queries"].items():
        out.append(f"- **{name}** — {spec['what']}")
    return "\n".join(out) + "\n"


def _size_tables(size: dict[str, Any]) -> list[str]:
    servers = [k for k, r in size["servers"].items() if "queries" in r]
    pairs = [p for p in size["ratios"]]
    out = ["", f"## {size['dataset']} ({size['quads']:,} quads)", "", "Throughput (qps):", ""]
    head = ["query", "engine ms", "rows", *servers, *pairs]
    out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    names = [*MIX, PING[0]]
    for name in names:
        cells = [
            name + (" (not in the mix)" if name == PING[0] else ""),
            _num(size["engine_ms"][name]),
            _num(size["rows"].get(name)),
        ]
        for key in servers:
            q = size["servers"][key]["queries"].get(name, {})
            if q.get("status") != "OK":
                cells.append(f"**{q.get('status', '–')}**")
                continue
            cell = _num(q.get("qps"))
            cell += " ‡" if q.get("at_ceiling") else ""
            cell += " (few)" if q.get("few") else ""
            cells.append(cell)
        for pair in pairs:
            mine, theirs = pair.split("/")
            a = size["servers"][mine]["queries"].get(name, {})
            b = size["servers"][theirs]["queries"].get(name, {})
            ok = a.get("status") == b.get("status") == "OK" and a.get("qps") and b.get("qps")
            cells.append(f"{a['qps'] / b['qps']:.3g}" if ok else "–")
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "Server CPU per request (ms) and one client's latency, p50 / p99 (ms):", ""]
    head = ["query"]
    for key in servers:
        head += [f"{key} cpu/req", f"{key} one client"]
    out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name in names:
        cells = [name]
        for key in servers:
            q = size["servers"][key]["queries"].get(name, {})
            one = q.get("one_client", {})
            cells.append(_num(q.get("server_cpu_ms")))
            cells.append(
                f"{_num(one.get('p50_ms'))} / {_num(one.get('p99_ms'))}" if one.get("n") else "–"
            )
        out.append("| " + " | ".join(cells) + " |")
    failures = [
        (key, name, q.get("detail", ""))
        for key in servers
        for name, q in size["servers"][key]["queries"].items()
        if q.get("status") != "OK"
    ]
    errors = [
        (key, name, q["errors"])
        for key in servers
        for name, q in size["servers"][key]["queries"].items()
        if q.get("errors")
    ]
    if failures:
        out += ["", "Wrong or failed answers:", ""]
        out += [f"- **{key}** `{name}`: {detail}" for key, name, detail in failures]
    if errors:
        out += ["", "Errors under load (wrk; a status above 399 counts as one):", ""]
        out += [f"- **{key}** `{name}`: {found}" for key, name, found in errors]
    return out


def _cache_tables(report: dict[str, Any]) -> list[str]:
    rows = []
    for size in report["sizes"]:
        for key, per_query in size.get("cache", {}).items():
            for name, found in per_query.items():
                main = size["servers"][key]["queries"].get(name, {}).get("qps")
                cells = [size["dataset"], key, name, _num(main)]
                for kind in ("identical", "revalidated"):
                    run = found.get(kind)
                    if run is None:
                        cells.append("–")
                        continue
                    statuses = ", ".join(f"{n}× {s}" for s, n in sorted(run["statuses"].items()))
                    cpu = run["server_cpu"] * 1000 / max(1, run["answered"])
                    cells.append(f"{_num(run['qps'])} ({statuses}; {cpu:.3f} ms cpu/req)")
                cells.append(f"`{found['etag']}`" if found.get("etag") else "none")
                cells.append(found.get("cache_control") or "–")
                rows.append("| " + " | ".join(cells) + " |")
    if not rows:
        return []
    return [
        "",
        "## Repeated identical requests (HTTP caching; not in any figure above)",
        "",
        "The same GET again and again: *identical* without a validator (the server answers "
        "each in full unless it caches answers), *revalidated* with `If-None-Match` and the "
        "ETag of the first answer (a server that validates answers 304 without running the "
        "query). The main figures never meet a cache: their requests are all distinct POSTs.",
        "",
        "| size | server | query | distinct POST qps | identical GET qps | revalidated GET qps "
        "| ETag | Cache-Control |",
        "|---|---|---|---:|---:|---:|---|---|",
        *rows,
    ]
