"""The layers hold: the web layer talks to the service, not to the store's machinery.

Read from the source with ``ast`` (imports anywhere in a module, attribute access), so
that a name in a string or a comment counts for nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import d4sme_kg.web

WEB = Path(d4sme_kg.web.__file__).parent
#: What evaluates queries and manages its processes: the service's business, not the web's.
MACHINERY = (
    "d4sme_kg.store.engine",
    "d4sme_kg.store.pool",
    "d4sme_kg.store.inline",
    "d4sme_kg.store.messages",
)

# Today's offenders, each allowed by name. The service-boundary work of issue 12 removes
# them (the store's errors become KGError subclasses; the service answers what the web
# layer asks the backend today): delete an entry with the code it allows. An entry whose
# file no longer offends fails the test, so the lists only shrink.
MACHINERY_ALLOWED: dict[str, set[str]] = {}
BACKEND_ALLOWED: set[str] = set()


def _module_name(path: Path) -> str:
    # A package's own module keeps its "__init__": relative imports then count from it
    # as from any other module of the package.
    return ".".join(path.relative_to(WEB.parent.parent).with_suffix("").parts)


def imported(tree: ast.AST, module: str) -> set[str]:
    """Every module ``tree`` may import, ``from a import b`` giving ``a`` and ``a.b``.

    ``module`` is the dotted name of the module ``tree`` is (``pkg.__init__`` for a
    package), for relative imports.
    """
    package = module.split(".")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level]
                source = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def reaches_backend(tree: ast.AST) -> bool:
    """Whether ``tree`` reads an attribute ``backend``: ``x.backend``, ``getattr(x, "backend")``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "backend":
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "backend"
        ):
            return True
    return False


def _machinery(names: set[str]) -> set[str]:
    return {m for m in MACHINERY for name in names if name == m or name.startswith(m + ".")}


def _web_modules() -> dict[str, tuple[str, ast.AST]]:
    found = {}
    for path in sorted(WEB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found[path.relative_to(WEB).as_posix()] = (_module_name(path), tree)
    return found


def test_the_web_layer_does_not_import_the_engine_machinery() -> None:
    modules = _web_modules()
    assert "protocol.py" in modules and "reconcile/__init__.py" in modules
    offenders = {
        name: used
        for name, (module, tree) in modules.items()
        if (used := _machinery(imported(tree, module)))
    }
    new = {n: extra for n, u in offenders.items() if (extra := u - MACHINERY_ALLOWED.get(n, set()))}
    assert not new, f"web modules importing {', '.join(MACHINERY)}: {new}"
    stale = {n: gone for n, a in MACHINERY_ALLOWED.items() if (gone := a - offenders.get(n, set()))}
    assert not stale, f"no longer imported, delete from MACHINERY_ALLOWED: {stale}"


def test_the_web_layer_does_not_reach_the_backend() -> None:
    offenders = {name for name, (_, tree) in _web_modules().items() if reaches_backend(tree)}
    assert not offenders - BACKEND_ALLOWED, (
        f"web modules reaching service.backend: {sorted(offenders - BACKEND_ALLOWED)}"
    )
    assert not BACKEND_ALLOWED - offenders, (
        f"no longer reaching the backend, delete from BACKEND_ALLOWED: "
        f"{sorted(BACKEND_ALLOWED - offenders)}"
    )


@pytest.mark.parametrize(
    ("source", "module", "caught"),
    [
        ("from d4sme_kg.store.pool import PoolBusy", "d4sme_kg.web.x", {"d4sme_kg.store.pool"}),
        ("import d4sme_kg.store.inline as inline", "d4sme_kg.web.x", {"d4sme_kg.store.inline"}),
        ("from d4sme_kg.store import engine", "d4sme_kg.web.x", {"d4sme_kg.store.engine"}),
        ("def f():\n    from ..store import pool", "d4sme_kg.web.x", {"d4sme_kg.store.pool"}),
        ("from ...store.engine import x", "d4sme_kg.web.reconcile.y", {"d4sme_kg.store.engine"}),
        ("from ..store import inline", "d4sme_kg.web.__init__", {"d4sme_kg.store.inline"}),
        ("from d4sme_kg.store import QueryRequest", "d4sme_kg.web.x", set()),
        ("'from d4sme_kg.store.engine import EngineError'", "d4sme_kg.web.x", set()),
    ],
)
def test_the_import_check_sees_every_form(source: str, module: str, caught: set[str]) -> None:
    assert _machinery(imported(ast.parse(source), module)) == caught


@pytest.mark.parametrize(
    ("source", "reaches"),
    [
        ("service.backend.size()", True),
        ("current_service().backend", True),
        ("getattr(service, 'backend', None)", True),
        ("service.size()", False),
        ("'service.backend'", False),
    ],
)
def test_the_backend_check_sees_every_form(source: str, reaches: bool) -> None:
    assert reaches_backend(ast.parse(source)) is reaches
