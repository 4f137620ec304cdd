"""The query library: SPARQL lives in ``queries/*.rq`` with a commented header.

A header line is ``# key: value``; ``title`` and ``description`` may carry a language
(``# title@ko: …``), and ``# param: ?name type default -- description`` declares a
parameter that is bound as a value, never pasted into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from d4sme_kg.errors import QueryError

_HEADER = re.compile(r"^#\s*(?P<key>[a-z]+)(?:@(?P<lang>[a-z-]+))?\s*:\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^\?(?P<name>\w+)\s+(?P<type>\w+)(?:\s+(?P<default>\S+))?(?:\s+--\s*(?P<doc>.*))?$"
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class StoredQuery:
    """One ``.rq`` file: its name (path without suffix), text and header."""

    name: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""

    @property
    def folder(self) -> str:
        """The subfolder the query lives in ("" at the top level)."""
        return self.name.rpartition("/")[0]

    @property
    def body(self) -> str:
        """The query without its header comments (what an editor shows)."""
        lines = self.text.splitlines()
        start = 0
        while start < len(lines) and (
            not lines[start].strip() or lines[start].lstrip().startswith("#")
        ):
            start += 1
        return "\n".join(lines[start:]).strip() + "\n"


def read_query(path: Path, name: str) -> StoredQuery:
    text = path.read_text(encoding="utf-8")
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            if line.strip() and not line.lstrip().startswith("#"):
                break  # the header ends where the query begins
            continue
        key, lang, value = match["key"], match["lang"] or "en", match["value"].strip()
        if key == "title":
            titles[lang] = value
        elif key == "description":
            descriptions[lang] = value
        elif key == "param" and (param := _PARAM.match(value)):
            parameters.append(
                Parameter(
                    param["name"], param["type"], param["default"], (param["doc"] or "").strip()
                )
            )
    return StoredQuery(name, text, titles, descriptions, tuple(parameters))


@cache
def _library(folder: Path) -> dict[str, StoredQuery]:
    found = {}
    for path in sorted(folder.rglob("*.rq")):
        name = path.relative_to(folder).with_suffix("").as_posix()
        found[name] = read_query(path, name)
    return found


def library(folder: Path) -> dict[str, StoredQuery]:
    """Every stored query under ``folder`` by name (read once per folder)."""
    return _library(folder.resolve())


def stored_query(folder: Path, name: str) -> StoredQuery:
    """The query ``name``; a clear error when there is none."""
    queries = library(folder)
    if name not in queries:
        raise QueryError(f"no stored query named {name!r}")
    return queries[name]


#: Folders of queries the service itself uses; they are not listed for people.
INTERNAL_FOLDERS = ("system", "pages")


def public_queries(folder: Path) -> dict[str, StoredQuery]:
    """The named queries people ask (every folder except the internal ones), by name."""
    return {
        name: query
        for name, query in library(folder).items()
        if name.split("/", 1)[0] not in INTERNAL_FOLDERS or "/" not in name
    }


def shipped_query(name: str) -> str:
    """The text of the query ``name`` shipped in the package's ``queries/`` folder.

    ``name`` includes its folder: ``pages/entity``, ``system/graph-sizes``, ``linking/…``.
    """
    from d4sme_kg.project import embedded_root

    return stored_query(embedded_root() / "queries", name).text


def system_query(name: str) -> str:
    """``shipped_query(f"system/{name}")``, for store/remote.py until it calls that itself."""
    return shipped_query(f"system/{name}")
