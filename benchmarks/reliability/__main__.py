"""``python benchmarks/reliability [--quick] [--only SECTION]… [--seed N]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if not __package__:
    # Run as a folder: this folder is on sys.path, and its modules' names (queries, load…)
    # would shadow others'; the package is imported from its parent instead.
    here = Path(__file__).resolve().parent
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(here.parent))
    __package__ = "reliability"

import reliability  # noqa: E402
from reliability import SECTIONS, run_section  # noqa: E402
from reliability.harness import Check, Options  # noqa: E402


def table(checks: list[Check]) -> str:
    lines = ["| section | what was done | counts | result |", "|---|---|---|---|"]
    for check in checks:
        mark = "✅" if check.ok else "❌"
        lines.append(f"| {check.section} | {check.what} | {check.counts} | {mark} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/reliability",
        description=(reliability.__doc__ or "").split("\n\n")[0],
        epilog="sections: " + "; ".join(f"{name}: {what}" for name, what in SECTIONS.items()),
    )
    parser.add_argument("--quick", action="store_true", help="the short version (CI)")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), help="repeatable")
    parser.add_argument("--seed", type=int, default=1, help="seed of everything random")
    args = parser.parse_args()
    options = Options(quick=args.quick, seed=args.seed)
    began = time.monotonic()
    checks: list[Check] = []
    for name in args.only or list(SECTIONS):
        print(f"running {name}…", file=sys.stderr, flush=True)
        for check in run_section(name, options):
            checks.append(check)
            mark = "ok" if check.ok else "FAILED"
            print(f"  {check.what[:70]}: {mark} ({check.seconds:.0f} s)", file=sys.stderr)
    failed = [check for check in checks if not check.ok]
    lines = [table(checks)]
    for check in failed:
        lines += [f"\n### ❌ {check.section}: {check.what}\n"]
        lines += [f"- {detail}" for detail in check.details]
    mode = "quick" if args.quick else "full"
    lines.append(
        f"\n{len(checks)} checks, {len(failed)} failed; {mode} run, seed {args.seed}, "
        f"{time.monotonic() - began:.0f} s"
    )
    report = "\n".join(lines)
    print(report)
    # Kept with the other benchmarks' results (git-ignored), as the last run of its kind.
    results = Path(__file__).resolve().parent.parent / "results"
    results.mkdir(exist_ok=True)
    name = "reliability" + ("-quick" if args.quick else "") + ("-only" if args.only else "")
    (results / f"{name}.md").write_text(report + "\n", encoding="utf-8")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
