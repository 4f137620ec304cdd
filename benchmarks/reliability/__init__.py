"""The reliability suite: a real ``d4sme-kg serve`` pushed where servers break.

    python benchmarks/reliability [--quick] [--only SECTION]… [--seed N]

Each section starts its own server (subprocesses on free loopback ports), does what its
module says, and returns rows for the table; a failed check fails the run.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterable

from .harness import Check, Options

#: Section name -> what it does, in the order they run.
SECTIONS = {
    "queries": "pathological and fuzzed queries, both modes",
    "load": "64 keep-alive clients with runaway queries, both modes",
    "replacing": "new connections while runaway queries keep workers replaced",
    "bodies": "stalled, slow and cut-short request bodies",
    "kill": "kill -9 of the server, its workers and its evaluators",
    "races": "concurrent conflicting writes",
    "memory": "resident memory over many distinct queries",
}


def run_section(name: str, options: Options) -> list[Check]:
    """Run one section; a section that raises is a failed check, not a crash of the run."""
    began = time.monotonic()
    try:
        module = importlib.import_module(f".{name}", __name__)
        checks: list[Check] = module.run(options)
    except Exception as error:  # noqa: BLE001 - reported as the section's failure
        checks = [Check(name, SECTIONS[name], "-", False, [f"{type(error).__name__}: {error}"])]
    for check in checks:
        check.seconds = check.seconds or time.monotonic() - began
    return checks


def run(names: Iterable[str], options: Options) -> list[Check]:
    return [check for name in names for check in run_section(name, options)]
