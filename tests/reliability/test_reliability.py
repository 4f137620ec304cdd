"""The reliability suite's quick run (benchmarks/reliability), one test per section.

Each section starts its own real servers on free loopback ports and fails with the
reasons it found: the same checks as ``python benchmarks/reliability --quick``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "benchmarks" / "reliability"


def _suite() -> ModuleType:
    """The suite as the package ``reliability``, without putting benchmarks/ on sys.path
    (its other scripts' names would then shadow modules for every later test)."""
    if "reliability" in sys.modules:
        return sys.modules["reliability"]
    spec = importlib.util.spec_from_file_location(
        "reliability", PACKAGE / "__init__.py", submodule_search_locations=[str(PACKAGE)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["reliability"] = module
    spec.loader.exec_module(module)
    return module


suite = _suite()


@pytest.mark.parametrize("section", list(suite.SECTIONS))
def test_section_passes_in_its_quick_run(section: str) -> None:
    from reliability.harness import Options

    checks = suite.run_section(section, Options(quick=True, seed=1))
    assert checks, f"the section {section} checked nothing"
    failed = [check for check in checks if not check.ok]
    assert not failed, "\n".join(
        f"{check.what}: {check.counts}\n  " + "\n  ".join(check.details) for check in failed
    )
