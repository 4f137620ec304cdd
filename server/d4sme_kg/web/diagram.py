"""Pictures of the graph as SVG made on the server: no JavaScript, deterministic layouts.

- :func:`neighbourhood_svg`: one entity in the middle, its neighbours on a circle, each
  link labelled with its property (arrows show the direction);
- :func:`article_svg`: every entity of the article on one circle, grouped and coloured
  by kind, links drawn as curves through the middle, labels pointing outwards.

Every node is a link to its page (when it has one). The same input always gives the same picture.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: Kinds of node, in the order they go round the circle: key, English, Korean, colour.
GROUPS: tuple[tuple[str, str, str, str], ...] = (
    ("event", "Events", "행사", "#1f77b4"),
    ("organization", "Organisations", "조직", "#d62728"),
    ("person", "People", "인물", "#2ca02c"),
    ("service", "Services", "서비스", "#ff7f0e"),
    ("principle", "Principles and stances", "원칙과 입장", "#9467bd"),
    ("concept", "Concepts", "개념", "#8c564b"),
    ("place", "Places", "장소", "#17becf"),
    ("post", "Posts, roles and dates", "직책·역할·날짜", "#7f7f7f"),
    ("figure", "Figures", "수치", "#bcbd22"),
    ("other", "Sources and other", "출처와 기타", "#e377c2"),
)
_BY_TYPE = {
    "event": ("Event", "Session", "Presentation", "EventSeries"),
    "organization": (
        "Organization",
        "Corporation",
        "GovernmentOrganization",
        "OrganizationalUnit",
        "OrganizationalCollaboration",
    ),
    "person": ("Person",),
    "service": ("Service", "MobileApplication", "SoftwareApplication"),
    "principle": ("Principle", "Stance"),
    "concept": (
        "Problem",
        "Capability",
        "Topic",
        "AttendeeCategory",
        "OrganizationKind",
        "Concept",
        "ConceptScheme",
    ),
    "place": ("Country", "City", "Place"),
    "post": ("Post", "Role", "Membership", "Interval", "Instant", "DateTimeDescription"),
    "figure": ("Observation", "StatisticalVariable"),
}
_COLOURS = {key: colour for key, _, _, colour in GROUPS}
_ORDER = {key: index for index, (key, _, _, _) in enumerate(GROUPS)}


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    #: Where a click on the node goes; None: nowhere (an IRI that is not a web address).
    href: str | None
    group: str = "other"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


def group_of(types: list[str]) -> str:
    """The kind of a node from its classes (by local name, whatever the namespace)."""
    names = {t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in types}
    for key, _, _, _ in GROUPS:
        if names.intersection(_BY_TYPE.get(key, ())):
            return key
    return "other"


def legend_entries(lang: str) -> list[tuple[str, str]]:
    """(label, colour) of every kind, for a legend next to the picture."""
    return [(ko if lang == "ko" else en, colour) for _, en, ko, colour in GROUPS]


def _width(char: str) -> int:
    """Columns a character takes: two for wide (Hangul, CJK) characters, else one."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _short(text: str, limit: int = 30) -> str:
    """``text`` cut to ``limit`` columns (a Korean syllable is about two Latin letters wide)."""
    if sum(_width(c) for c in text) <= limit:
        return text
    used = 0
    for index, char in enumerate(text):
        used += _width(char)
        if used > limit - 1:
            return text[:index] + "…"
    return text


def _node(node: Node, x: float, y: float, radius: float, text_attrs: str, text: str) -> str:
    colour = _COLOURS.get(node.group, _COLOURS["other"])
    opening, closing = (
        ("<g>", "</g>") if node.href is None else (f"<a href={quoteattr(node.href)}>", "</a>")
    )
    return (
        f"{opening}<title>{escape(node.label)}</title>"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}"/>'
        f"<text {text_attrs}>{escape(text)}</text>{closing}"
    )


def neighbourhood_svg(
    center: Node, neighbours: list[Node], edges: list[Edge], limit: int = 28
) -> str:
    """``center`` and the nodes linked to it; ``edges`` join the center to a neighbour."""
    by_iri = {n.iri: n for n in neighbours}
    pairs: dict[str, list[str]] = {}
    for edge in edges:
        other = edge.target if edge.source == center.iri else edge.source
        arrow = "→ " if edge.source == center.iri else "← "
        if other in by_iri and other != center.iri:
            pairs.setdefault(other, [])
            if arrow + edge.label not in pairs[other]:
                pairs[other].append(arrow + edge.label)
    ordered = sorted(
        pairs, key=lambda iri: (_ORDER.get(by_iri[iri].group, 99), by_iri[iri].label.lower(), iri)
    )
    hidden = max(0, len(ordered) - limit)
    ordered = ordered[:limit]
    width, height = 900, 640
    cx, cy = width / 2, height / 2
    ring = 235.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="graph" role="img" aria-label={quoteattr("Neighbourhood of " + center.label)}'
        f' font-family="system-ui, sans-serif" font-size="12">'
    ]
    count = max(1, len(ordered))
    spots = []
    for index, iri in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        spots.append((iri, cx + ring * math.cos(angle), cy + ring * math.sin(angle), angle))
    for index, (iri, x, y, _) in enumerate(spots):
        label = "; ".join(pairs[iri])
        # Every other label sits nearer the centre, so that neighbours' labels do not overlap.
        along = 0.64 if index % 2 == 0 else 0.42
        if index and index == len(spots) - 1 and index % 2 == 0:
            along = 0.53  # an odd count: the last label would sit by the first one
        mx, my = cx + (x - cx) * along, cy + (y - cy) * along
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="#9aa5b1" stroke-width="1.2"/>'
        )
        parts.append(
            f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" fill="#52606d" '
            f'font-size="10" class="edge-label">{escape(_short(label, 34))}</text>'
        )
    for iri, x, y, angle in spots:
        node = by_iri[iri]
        right = math.cos(angle) >= -0.01
        anchor = "start" if right else "end"
        tx = x + (10 if right else -10)
        attrs = f'x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}"'
        parts.append(_node(node, x, y, 7, attrs, _short(node.label)))
    attrs = f'x="{cx:.1f}" y="{cy + 30:.1f}" text-anchor="middle" font-weight="bold"'
    parts.append(_node(center, cx, cy, 14, attrs, _short(center.label, 40)))
    if hidden:
        parts.append(f'<text x="10" y="{height - 10}" fill="#52606d">+{hidden} more</text>')
    parts.append("</svg>")
    return "".join(parts)


def article_svg(nodes: list[Node], edges: list[Edge]) -> str:
    """Every node on one circle, grouped by kind; edges as curves through the middle."""
    ordered = sorted(nodes, key=lambda n: (_ORDER.get(n.group, 99), n.label.lower(), n.iri))
    count = max(1, len(ordered))
    ring = max(280.0, count * 17 / (2 * math.pi))
    margin = 250.0
    size = 2 * (ring + margin)
    c = size / 2
    where: dict[str, tuple[float, float, float]] = {}
    for index, node in enumerate(ordered):
        angle = 2 * math.pi * index / count - math.pi / 2
        where[node.iri] = (c + ring * math.cos(angle), c + ring * math.sin(angle), angle)
    group_of_node = {n.iri: n.group for n in ordered}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0f} {size:.0f}" '
        f'class="graph article-graph" role="img" aria-label="The article graph" '
        f'font-family="system-ui, sans-serif" font-size="12">'
    ]
    for edge in sorted(edges, key=lambda e: (e.source, e.target, e.label)):
        if edge.source not in where or edge.target not in where or edge.source == edge.target:
            continue
        x1, y1, _ = where[edge.source]
        x2, y2, _ = where[edge.target]
        colour = _COLOURS.get(group_of_node[edge.source], _COLOURS["other"])
        # The control point is pulled to the middle: a chord diagram's curve.
        qx, qy = c + (x1 + x2 - 2 * c) * 0.15, c + (y1 + y2 - 2 * c) * 0.15
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} {x2:.1f},{y2:.1f}" '
            f'fill="none" stroke="{colour}" stroke-opacity="0.45" stroke-width="1">'
            f"<title>{escape(edge.label)}</title></path>"
        )
    for node in ordered:
        x, y, angle = where[node.iri]
        degrees = math.degrees(angle)
        left = math.cos(angle) < 0
        if left:
            degrees += 180
        tx, ty = x + 10 * math.cos(angle), y + 10 * math.sin(angle)
        anchor = "end" if left else "start"
        attrs = (
            f'x="{tx:.1f}" y="{ty + 4:.1f}" text-anchor="{anchor}" '
            f'transform="rotate({degrees:.1f} {tx:.1f} {ty + 4:.1f})"'
        )
        parts.append(_node(node, x, y, 5, attrs, _short(node.label, 34)))
    parts.append("</svg>")
    return "".join(parts)
