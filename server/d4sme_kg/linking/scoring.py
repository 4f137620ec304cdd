"""How a Wikidata item is scored against one of our entities, and the decision.

Precision comes first: a wrong link is worse than none. So an item whose type or
country contradicts ours is dropped outright, a person is never accepted on the name
alone (country and post must agree too), and an item is accepted only when it scores
above :data:`ACCEPT` and clearly ahead of the runner-up.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from d4sme_kg.linking.entities import Entity

ACCEPT = 0.8  # lowest score of an automatic link
MARGIN = 0.1  # how far ahead of the runner-up it must be
CANDIDATE = 0.5  # lowest score worth a person's review
FUZZY = 0.85  # string similarity under which two names do not match at all
POLITICIAN = "Q82955"

# Wikidata type roots reached by instance-of/subclass-of*: what each kind may be, and
# what it must not be (a river is never a company, a newspaper never a concept).
PLACE = "Q2221906"
DISAMBIGUATION = "Q4167410"
COMPATIBLE: dict[str, set[str]] = {
    "person": {"Q5"},
    "country": {"Q6256", "Q3624078"},
    "city": {"Q515", "Q486972"},
    "place": {"Q486972", PLACE, "Q41176"},
    "company": {"Q4830453", "Q783794"},
    "organization": {"Q43229"},
    "service": {"Q7397", "Q1668024", "Q35127"},
    "concept": {"Q11862829", "Q151885", "Q11016"},
}
INCOMPATIBLE: dict[str, set[str]] = {
    "person": {"Q43229", PLACE, "Q7187"},
    "country": {"Q5", "Q23442", "Q515"},
    "city": {"Q5", "Q43229", "Q6256"},
    "place": {"Q5"},
    "company": {"Q5", PLACE, "Q7397", "Q1668024", "Q1002697"},
    "organization": {"Q5", PLACE, "Q1002697"},
    "service": {"Q5", "Q43229", PLACE},
    "concept": {"Q5", "Q43229", PLACE, "Q7187", "Q1002697"},
}
ROOTS = sorted(
    {q for s in (*COMPATIBLE.values(), *INCOMPATIBLE.values()) for q in s} | {DISAMBIGUATION}
)


@dataclass
class Item:
    """What the linker knows of one Wikidata item."""

    qid: str
    labels: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    roots: set[str] = field(default_factory=set)
    is_class: bool = False
    countries: set[str] = field(default_factory=set)
    occupations: set[str] = field(default_factory=set)
    positions: list[str] = field(default_factory=list)

    def name(self, lang: str = "en") -> str:
        for source in (self.labels, self.aliases):
            for chosen in (lang, "en", "ko"):
                if source.get(chosen):
                    return source[chosen][0]
        return self.qid


@dataclass
class Score:
    """One item scored for one entity, with the reasons in words."""

    item: Item
    total: float
    dropped: str = ""  # why the item cannot be this entity at all
    reasons: list[str] = field(default_factory=list)
    person_context: bool = True  # for people: country and post both agree


def normalise(text: str) -> str:
    """Case, width, accents and punctuation folded away; Hangul is kept as it is."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[\W_]+", " ", text).strip()


def similarity(ours: str, theirs: str) -> float:
    a, b = normalise(ours), normalise(theirs)
    if not a or not b:
        return 0.0
    if a == b:
        # A bare acronym ("SME", "AI") names too many things to count as a full match.
        return 0.7 if len(a) <= 5 and ours.isupper() else 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= FUZZY else 0.0


def name_score(entity: Entity, item: Item) -> tuple[float, list[str]]:
    """Best name agreement per language (ko, en), averaged over the languages both have."""
    per_language: dict[str, tuple[float, str]] = {}
    for lang in ("ko", "en"):
        ours = [(t, 1.0) for t in entity.labels.get(lang, [])]
        ours += [(t, 0.9) for t in entity.aliases.get(lang, [])]
        theirs = [(t, 1.0) for t in item.labels.get(lang, [])]
        theirs += [(t, 0.9) for t in item.aliases.get(lang, [])]
        if not ours or not theirs:
            continue
        best, why = 0.0, f"no {lang} name agrees"
        for mine, my_weight in ours:
            for other, other_weight in theirs:
                value = similarity(mine, other) * my_weight * other_weight
                if value > best:
                    best, why = value, f"{mine!r}@{lang} ~ {other!r}@{lang} ({value:.2f})"
        per_language[lang] = (best, why)
    if not per_language:
        return 0.0, ["no name in a common language"]
    score = sum(v for v, _ in per_language.values()) / len(per_language)
    if len(per_language) == 1:
        score *= 0.9  # one script only: less evidence than ko and en agreeing
    return score, [why for _, why in per_language.values()]


def score_item(entity: Entity, item: Item, countries: dict[str, str]) -> Score:
    """Score ``item`` for ``entity``; ``countries`` maps our country IRIs to QIDs."""
    name, reasons = name_score(entity, item)
    if DISAMBIGUATION in item.roots:
        return Score(item, 0.0, "a disambiguation page")
    bad = item.roots & INCOMPATIBLE[entity.kind]
    if bad:
        return Score(item, 0.0, f"type {', '.join(sorted(bad))} cannot be a {entity.kind}")
    good = item.roots & COMPATIBLE[entity.kind]
    if entity.kind == "concept" and item.is_class:
        good = good | {"a class"}
    type_score = 1.0 if good else 0.5
    reasons.append(f"type {', '.join(sorted(good))}" if good else "type not confirmed")
    signals: list[bool] = []
    expected = {countries[c] for c in entity.countries if c in countries}
    if entity.kind != "country" and expected and item.countries:
        if not expected & item.countries:
            return Score(
                item,
                0.0,
                f"country {', '.join(sorted(item.countries))}, not {', '.join(sorted(expected))}",
            )
        signals.append(True)
        reasons.append(f"country {', '.join(sorted(expected & item.countries))}")
    person_context = True
    if entity.kind == "person":
        post = post_agrees(entity, item)
        if post:
            signals.append(True)
            reasons.append(post)
        person_context = bool(expected & item.countries) and bool(post)
        if not person_context:
            reasons.append("not confirmed by country and post")
    context = (
        1.0
        if len(signals) >= 2 or (signals and entity.kind != "person")
        else 0.75
        if signals
        else 0.6
    )
    total = round(0.55 * name + 0.2 * type_score + 0.25 * context, 2)
    return Score(item, min(1.0, total), "", reasons, person_context)


def post_agrees(entity: Entity, item: Item) -> str:
    """Why the item's positions or occupation fit the posts we know, or ""."""
    for post, role in entity.posts:
        words = set(normalise(post).split()) - {"of", "for", "the", "and"}
        for position in item.positions:
            theirs = set(normalise(position).split()) - {"of", "for", "the", "and"}
            overlap = len(words & theirs) / max(1, len(words | theirs))
            if overlap >= 0.3 or (role and normalise(role) in normalise(position)):
                return f"position held {position!r} fits post {post!r}"
        if role.lower() == "minister" and POLITICIAN in item.occupations:
            return f"occupation politician fits post {post!r}"
    return ""


@dataclass
class Decision:
    """accepted (one score), candidates (for review) or not found (neither)."""

    entity: Entity
    accepted: Score | None
    candidates: list[Score]
    dropped: list[Score]

    @property
    def outcome(self) -> str:
        return "accepted" if self.accepted else "candidate" if self.candidates else "not found"


def decide(entity: Entity, scores: list[Score], rejected: set[str]) -> Decision:
    """Sort one entity's scored items into accepted / candidates / not found."""
    kept = sorted(
        (s for s in scores if not s.dropped and s.item.qid not in rejected),
        key=lambda s: (-s.total, int(s.item.qid[1:])),
    )
    dropped = [s for s in scores if s.dropped]
    viable = [s for s in kept if s.total >= CANDIDATE]
    if viable:
        best = viable[0]
        runner_up = viable[1].total if len(viable) > 1 else 0.0
        if best.total >= ACCEPT and best.total - runner_up >= MARGIN and best.person_context:
            best.reasons.append(f"runner-up {runner_up:.2f}" if len(viable) > 1 else "no runner-up")
            return Decision(entity, best, [], dropped + viable[1:])
    return Decision(entity, None, viable[:3], dropped)
