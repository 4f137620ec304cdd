"""The verdicts of a conformance run: one Outcome per test, gathered in a Report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Outcome:
    """The verdict on one test: passed, failed or not-applicable, with the reason."""

    suite: str  # evaluation, protocol, service-description
    test: str  # the test IRI
    name: str
    status: str
    reason: str = ""
    kind: str = ""  # protocol: query or update
    seconds: float = 0.0

    @property
    def short(self) -> str:
        return (
            self.test.rsplit("/", 2)[-2] + "/" + self.test.rsplit("#", 1)[-1]
            if "#" in self.test
            else self.test
        )


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def select(self, suite: str, kind: str | None = None) -> list[Outcome]:
        return [o for o in self.outcomes if o.suite == suite and (kind is None or o.kind == kind)]

    def score(self, suite: str, kind: str | None = None) -> tuple[int, int]:
        chosen = self.select(suite, kind)
        return sum(o.status == "passed" for o in chosen), len(chosen)

    def summary(self) -> str:
        lines = []
        for suite, kind in (
            ("evaluation", None),
            ("protocol", "query"),
            ("protocol", "update"),
            ("service-description", None),
        ):
            passed, total = self.score(suite, kind)
            label = suite + (f" ({kind})" if kind else "")
            na = sum(o.status == "not-applicable" for o in self.select(suite, kind))
            lines.append(
                f"{label}: {passed}/{total} passed" + (f", {na} not applicable" if na else "")
            )
        lines.append(f"run time: {self.seconds:.1f} s")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Report({len(self.outcomes)} outcomes)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "outcomes": [asdict(o) | {"seconds": round(o.seconds, 3)} for o in self.outcomes],
        }
