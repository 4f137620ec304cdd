"""Where a project's ontology, shapes, data and queries live.

A project folder has the layout ``ontology/``, ``data/`` (with ``links/`` and
``source/``) and ``queries/``. The default project is embedded in the installed
package (``d4sme_kg/_project``, put there by the wheel build) or, in a source
checkout, is the checkout itself. ``--root DIR`` or ``D4SME_KG_ROOT`` selects another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from d4sme_kg.errors import ProjectError
from d4sme_kg.formats import format_for_path
from d4sme_kg.namespaces import DEFAULT_BASE

ROOT_ENV = "D4SME_KG_ROOT"
BASE_ENV = "D4SME_KG_BASE_IRI"

_PACKAGE_DIR = Path(__file__).resolve().parent

#: The parts a dataset is split into; each is one named graph.
PARTS = ("ontology", "shapes", "data", "links", "source")
#: The parts that are served and exported by default (the shapes are the rules, not the data).
CONTENT_PARTS = ("ontology", "data", "links", "source")


def embedded_root() -> Path:
    """The project that ships with the package (wheel) or the source checkout."""
    bundled = _PACKAGE_DIR / "_project"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "ontology").is_dir():
        return checkout
    raise ProjectError(f"no embedded project found next to {_PACKAGE_DIR}; pass --root DIR")


@dataclass(frozen=True)
class Project:
    """A resolved project folder and the base IRI its entities are served under."""

    root: Path
    base: str = DEFAULT_BASE

    @classmethod
    def from_root(cls, root: Path | str | None = None, base: str | None = None) -> Project:
        """Resolve ``root`` (else ``$D4SME_KG_ROOT``, else the embedded project) and check it."""
        chosen = root or os.environ.get(ROOT_ENV) or None
        path = Path(chosen).expanduser().resolve() if chosen else embedded_root()
        base = base or os.environ.get(BASE_ENV) or DEFAULT_BASE
        if not (base.startswith(("http://", "https://")) and base.endswith(("/", "#"))):
            raise ProjectError(f"base IRI {base!r} must be an http(s) IRI ending in '/'")
        project = cls(path, base)
        project.check()
        return project

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def check(self) -> None:
        """Fail fast with one line when a required folder is missing."""
        if not self.root.is_dir():
            raise ProjectError(f"{self.root}: project folder does not exist")
        for required in (self.ontology_dir, self.data_dir):
            if not required.is_dir():
                raise ProjectError(
                    f"{required}: missing folder (a project needs ontology/ and data/)"
                )
        if not self.files("shapes"):
            raise ProjectError(f"{self.ontology_dir}: no SHACL shapes (shapes*.ttl)")

    def files(self, part: str) -> list[Path]:
        """The RDF files of one part, sorted so that loading is deterministic."""
        if part == "ontology":
            found = [p for p in _rdf_files(self.ontology_dir) if not _is_shapes(p)]
        elif part == "shapes":
            found = [p for p in _rdf_files(self.ontology_dir) if _is_shapes(p)]
        elif part == "data":
            links, source = self.data_dir / "links", self.data_dir / "source"
            found = [
                p
                for p in _rdf_files(self.data_dir)
                if links not in p.parents and source not in p.parents
            ]
        elif part == "links":
            found = _rdf_files(self.data_dir / "links")
        elif part == "source":
            found = []  # generated from the text files the data points at
        else:
            raise ProjectError(f"unknown part {part!r}; parts are: {', '.join(PARTS)}")
        return found

    def graph_iri(self, part: str) -> str:
        """The IRI of the named graph that holds ``part``."""
        return f"{self.base}graph/{part}"

    def relative(self, path: Path) -> str:
        """A path as a person would type it from the project root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def _rdf_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and format_for_path(p) is not None)


def _is_shapes(path: Path) -> bool:
    return path.name.startswith("shapes")
