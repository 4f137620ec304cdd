"""Name matching for the reconciliation service: entries and their scores (0-100).

Kept apart from the web layer so that the rules are plain functions: a name matches in
any language and script the graph holds (Korean, English, romanised Korean).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from d4sme_kg.linking.scoring import normalise


@dataclass
class Entry:
    """One entity: its names (text, lang, preferred), description and types."""

    iri: str
    names: list[tuple[str, str, bool]] = field(default_factory=list)
    description: str = ""
    types: dict[str, str] = field(default_factory=dict)  # every class, with its label
    direct: set[str] = field(default_factory=set)

    def name(self) -> str:
        preferred = [n for n in self.names if n[2]] or self.names
        english = [n for n in preferred if n[1] == "en"]
        return (english or preferred)[0][0] if preferred else self.iri


def short_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/"))[-1]


def name_score(query: str, entry: Entry) -> float:
    wanted = normalise(query)
    best = 0.0
    for text, _lang, preferred in entry.names:
        have = normalise(text)
        if not have or not wanted:
            continue
        value = 100.0 if have == wanted else 100 * SequenceMatcher(None, wanted, have).ratio()
        if value < 100 and (have.startswith(wanted) or wanted in have.split()):
            value = max(value, 70.0)
        best = max(best, value if preferred else value * 0.95)
    return round(best, 1)
