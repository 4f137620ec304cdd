"""A synthetic knowledge graph with the shape of the article graph, at any size.

The article graph (``data/*.ttl``) describes one blog post: an event with sessions
and presentations, organisations, people with posts and memberships, services and
observations, labels in Korean and English, one ``kgo:Claim`` (``rdf:subject`` /
``rdf:predicate`` / ``rdf:object``) per fact, and evidence nodes
(``oa:SpecificResource`` with a ``TextQuoteSelector`` and a ``TextPositionSelector``
as blank nodes) pointing into the source text, whose lines are ``kgo:SourceLine``
nodes. Identity links are ``kgo:Link`` nodes in their own graph.

This script repeats that shape: one *unit* is one synthetic article (about 900
quads) about one event; organisations, people, topics, concepts, places ... are
drawn from pools that grow with the size, with a few "hub" organisations that many
events refer to (as Kakao and the OECD are in the article). Quads go to the same
named graphs as the project's (``…/graph/data``, ``…/graph/links``,
``…/graph/source``). The output is exactly N quads, deterministic for a seed.

    python benchmarks/synthetic.py 100000            # -> benchmarks/results/synthetic-100000.nq
    python benchmarks/synthetic.py 1e6 --seed 7 -o /tmp/big.nq

Next to the file, ``<file>.anchors.json`` names the IRIs and words the endpoint
benchmark's queries use (a hub organisation, an event, an article, an evidence
node, a Korean and an English search word).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

KG = "https://w3id.org/d4sme-kg/id/"
GRAPH = "https://w3id.org/d4sme-kg/graph/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
WD = "http://www.wikidata.org/entity/"
DCT = "http://purl.org/dc/terms/"

#: Word pairs the labels, descriptions and source lines are made of (Korean, English).
WORDS = [
    ("디지털", "digital"),
    ("플랫폼", "platform"),
    ("중소기업", "SME"),
    ("인공지능", "AI"),
    ("블록체인", "blockchain"),
    ("핀테크", "fintech"),
    ("물류", "logistics"),
    ("제조", "manufacturing"),
    ("유통", "retail"),
    ("금융", "finance"),
    ("교육", "education"),
    ("의료", "health"),
    ("관광", "tourism"),
    ("농업", "farming"),
    ("에너지", "energy"),
    ("모빌리티", "mobility"),
    ("결제", "payment"),
    ("메시지", "messaging"),
    ("광고", "advertising"),
    ("데이터", "data"),
    ("클라우드", "cloud"),
    ("보안", "security"),
    ("수출", "export"),
    ("창업", "start-up"),
    ("혁신", "innovation"),
    ("상생", "shared growth"),
    ("고객", "customer"),
    ("상담", "consulting"),
    ("주문", "ordering"),
    ("배송", "delivery"),
    ("생산", "production"),
    ("설계", "design"),
    ("인재", "talent"),
    ("정책", "policy"),
    ("규제", "regulation"),
    ("투자", "investment"),
    ("지역", "regional"),
    ("스마트", "smart"),
    ("공장", "factory"),
    ("검색", "search"),
    ("지도", "maps"),
    ("음악", "music"),
    ("게임", "games"),
    ("쇼핑", "shopping"),
    ("예약", "booking"),
    ("번역", "translation"),
    ("음성", "voice"),
    ("챗봇", "chatbot"),
    ("분석", "analytics"),
    ("자동화", "automation"),
    ("협업", "collaboration"),
    ("채용", "hiring"),
    ("회계", "accounting"),
    ("세무", "tax"),
    ("보험", "insurance"),
    ("부동산", "real estate"),
    ("식품", "food"),
    ("패션", "fashion"),
    ("콘텐츠", "content"),
    ("미디어", "media"),
]
ORG_KINDS = [
    ("기업", "company"),
    ("협회", "association"),
    ("재단", "foundation"),
    ("연구소", "institute"),
    ("정부 기관", "government agency"),
    ("스타트업", "start-up"),
]
FAMILY = [
    ("김", "Kim"),
    ("이", "Lee"),
    ("박", "Park"),
    ("최", "Choi"),
    ("정", "Jung"),
    ("강", "Kang"),
    ("조", "Cho"),
    ("윤", "Yoon"),
    ("장", "Jang"),
    ("임", "Lim"),
]
GIVEN = [
    ("민준", "Min-jun"),
    ("서연", "Seo-yeon"),
    ("도윤", "Do-yun"),
    ("지우", "Ji-u"),
    ("하준", "Ha-jun"),
    ("수아", "Su-a"),
    ("예준", "Ye-jun"),
    ("지호", "Ji-ho"),
    ("서준", "Seo-jun"),
    ("하은", "Ha-eun"),
    ("대원", "Dae-won"),
    ("영선", "Young-sun"),
    ("수원", "Su-won"),
    ("현우", "Hyeon-u"),
    ("지민", "Ji-min"),
    ("은서", "Eun-seo"),
]
VERBS = [
    ("지원합니다", "supports"),
    ("소개했습니다", "presented"),
    ("발표했습니다", "announced"),
    ("강조했습니다", "stressed"),
    ("논의했습니다", "discussed"),
    ("제공합니다", "offers"),
]
ACTIVITIES = ["infer-year", "infer-from-context", "infer-from-general-knowledge", "describe-source"]
ROLES = [
    ("이사", "director"),
    ("장관", "minister"),
    ("대표", "chief executive"),
    ("팀장", "team lead"),
    ("연구원", "researcher"),
]
HUBS = 8  # organisations most events refer to (Kakao, OECD ... in the article)
LINES = 20  # lines of a synthetic article, as in the real one


def _lit(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lang(value: str, tag: str) -> str:
    return _lit(value) + "@" + tag


def typed(value: object, datatype: str) -> str:
    return _lit(str(value)) + "^^<" + XSD + datatype + ">"


def plain(value: str) -> str:
    return _lit(value)


class Writer:
    """Collects N-Quads lines; terms are already written as N-Triples terms."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._graph = "<" + GRAPH + "data>"

    def graph(self, part: str) -> None:
        self._graph = "<" + GRAPH + part + ">"

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} <{p}> {o} {self._graph} .")


def iri(local: str) -> str:
    return "<" + KG + local + ">"


class Generator:
    """Emits units (synthetic articles) until the target size is reached."""

    def __init__(self, seed: int, target: int) -> None:
        self.rng = random.Random(seed)
        self.w = Writer()
        self.target = target
        # Pool sizes grow with the target size, as a bigger graph names more things.
        units = max(1, target // 900)
        self.n_orgs = max(HUBS + 4, units * 2)
        self.n_countries = min(60, 4 + units // 20)
        self.n_cities = min(200, 6 + units // 8)
        self.n_topics = min(400, 8 + units // 3)
        self.n_concepts = min(300, 12 + units // 4)
        self.n_problems = min(200, 5 + units // 6)
        self.n_capabilities = min(200, 5 + units // 6)
        self.n_variables = min(200, 3 + units // 6)
        self.seen: set[str] = set()
        self.next_person = 0
        self.next_service = 0
        self.claims = 0

    # -- pools: an entity is described the first time something refers to it -------------------

    def _once(self, key: str, describe: Callable[[], None]) -> None:
        if key not in self.seen:
            self.seen.add(key)
            describe()

    def words(self, k: int) -> tuple[str, str]:
        picked = self.rng.sample(WORDS, k)
        return " ".join(p[0] for p in picked), " ".join(p[1] for p in picked)

    def _labels(self, s: str, ko: str, en: str, predicate: str = RDFS + "label") -> None:
        self.w.add(s, predicate, lang(en, "en"))
        self.w.add(s, predicate, lang(ko, "ko"))

    def org(self, n: int, mention: str | None = None) -> str:
        s = iri(f"org-{n}")

        def describe() -> None:
            rng, w = self.rng, self.w
            ko, en = self.words(2)
            kind = ORG_KINDS[n % len(ORG_KINDS)]
            w.add(s, RDF + "type", "<" + KGO + "Organization>")
            if kind[1] in ("company", "start-up"):
                w.add(s, RDF + "type", "<" + SCHEMA + "Corporation>")
            self._labels(s, f"{ko} {kind[0]}", f"{en.capitalize()} {kind[1]}")
            w.add(s, SKOS + "altLabel", lang(f"ORG{n}", "en"))
            w.add(s, KGO + "basedIn", self.country(rng.randrange(self.n_countries)))
            w.add(s, KGO + "organizationKind", self.orgkind(n % len(ORG_KINDS)))
            w.add(s, SCHEMA + "description", lang(f"A {kind[1]} working on {en}.", "en"))
            w.add(s, SCHEMA + "description", lang(f"{ko} 분야의 {kind[0]}.", "ko"))
            if mention:
                w.add(s, KGO + "mention", mention)
            if n % 3 == 0:  # an identity link, described by a kgo:Link node
                self.w.graph("links")
                link = iri(f"link-org-{n}-wikidata")
                target = f"<{WD}Q{1000 + n}>"
                w.add(s, SCHEMA + "sameAs", target)
                w.add(link, RDF + "type", "<" + KGO + "Link>")
                w.add(link, RDF + "subject", s)
                w.add(link, RDF + "predicate", "<" + SCHEMA + "sameAs>")
                w.add(link, RDF + "object", target)
                w.add(link, KGO + "reviewStatus", "<" + KGO + "Accepted>")
                w.add(link, KGO + "confidence", typed(f"0.{50 + n % 50}", "decimal"))
                w.add(link, DCT + "date", typed("2026-11-27", "date"))
                w.add(link, PROV + "wasAttributedTo", iri("d4sme-kg-team"))
                self.w.graph("data")

        self._once(s, describe)
        return s

    def pick_org(self) -> int:
        # A few hubs take a third of the references; the rest spread over every organisation.
        if self.rng.random() < 0.33:
            return min(int(self.rng.expovariate(0.5)), HUBS - 1)
        return self.rng.randrange(self.n_orgs)

    def country(self, n: int) -> str:
        s = iri(f"country-{n}")

        def describe() -> None:
            self.w.add(s, RDF + "type", "<" + SCHEMA + "Country>")
            self._labels(s, f"나라 {n}", f"Country {n}")
            self.w.graph("links")
            code = f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"
            self.w.add(s, KGO + "iso3166Alpha2", plain(code))
            self.w.add(s, SCHEMA + "sameAs", f"<{WD}Q{n + 10}>")
            self.w.graph("data")

        self._once(s, describe)
        return s

    def city(self, n: int) -> str:
        s = iri(f"city-{n}")

        def describe() -> None:
            self.w.add(s, RDF + "type", "<" + SCHEMA + "City>")
            self._labels(s, f"도시 {n}", f"City {n}")
            self.w.add(s, SCHEMA + "containedInPlace", self.country(n % self.n_countries))

        self._once(s, describe)
        return s

    def _concept(self, prefix: str, n: int, cls: str, scheme: str) -> str:
        s = iri(f"{prefix}-{n}")

        def describe() -> None:
            w = self.w
            sch = iri(scheme)
            if sch not in self.seen:
                self.seen.add(sch)
                w.add(sch, RDF + "type", "<" + SKOS + "ConceptScheme>")
                self._labels(sch, f"{scheme} 체계", f"{scheme} scheme", SKOS + "prefLabel")
            ko, en = self.words(2)
            w.add(s, RDF + "type", "<" + cls + ">")
            self._labels(s, f"{ko} {n}", f"{en} {n}", SKOS + "prefLabel")
            w.add(s, SKOS + "definition", lang(f"The idea of {en} for small firms.", "en"))
            w.add(s, SKOS + "definition", lang(f"중소기업을 위한 {ko}의 개념.", "ko"))
            w.add(s, SKOS + "inScheme", sch)
            w.add(s, SKOS + "topConceptOf", sch)
            w.add(sch, SKOS + "hasTopConcept", s)

        self._once(s, describe)
        return s

    def topic(self, n: int) -> str:
        return self._concept("topic", n, KGO + "Topic", "topics")

    def concept(self, n: int) -> str:
        return self._concept("concept", n, SKOS + "Concept", "concepts")

    def problem(self, n: int) -> str:
        return self._concept("problem", n, KGO + "Problem", "problems")

    def capability(self, n: int) -> str:
        return self._concept("capability", n, KGO + "Capability", "capabilities")

    def orgkind(self, n: int) -> str:
        s = iri(f"orgkind-{n}")

        def describe() -> None:
            self.w.add(s, RDF + "type", "<" + KGO + "OrganizationKind>")
            self._labels(s, ORG_KINDS[n][0], ORG_KINDS[n][1], SKOS + "prefLabel")

        self._once(s, describe)
        return s

    def activity(self, n: int) -> str:
        s = iri(f"activity-{ACTIVITIES[n]}")

        def describe() -> None:
            self.w.add(s, RDF + "type", "<" + PROV + "Activity>")
            self._labels(s, f"추론 {n}", f"Inference {ACTIVITIES[n]}")

        self._once(s, describe)
        return s

    def role(self, n: int) -> str:
        s = iri(f"role-{ROLES[n][1].replace(' ', '-')}")

        def describe() -> None:
            self.w.add(s, RDF + "type", "<" + ORG + "Role>")
            self._labels(s, ROLES[n][0], ROLES[n][1].capitalize())

        self._once(s, describe)
        return s

    def variable(self, n: int) -> str:
        s = iri(f"var-{n}")

        def describe() -> None:
            ko, en = self.words(1)
            self.w.add(s, RDF + "type", "<" + SCHEMA + "StatisticalVariable>")
            self._labels(s, f"{ko} 점유율", f"Share of the {en} market")

        self._once(s, describe)
        return s

    # -- one unit: an article about an event ----------------------------------------------------

    def unit(self, u: int) -> None:
        rng, w = self.rng, self.w
        article = iri(f"article-{u}")
        event = iri(f"event-{u}")
        # The source text: LINES lines of Korean words; evidence quotes are spans of it.
        lines, starts, offset = [], [], 0
        for _ in range(LINES):
            ko, _en = self.words(rng.randint(4, 9))
            verb = rng.choice(VERBS)[0]
            line = f"{ko} {verb}"
            lines.append(line)
            starts.append(offset)
            offset += len(line) + 1
        text = "\n".join(lines)

        evidence: list[str] = []

        def new_evidence(line_no: int) -> str:
            line = lines[line_no - 1]
            a = rng.randrange(0, max(1, len(line) // 2))
            b = min(len(line), a + rng.randint(4, 24))
            quote = line[a:b]
            ev = iri(f"evidence-a{u}-l{line_no}-{len(evidence)}")
            w.add(ev, RDF + "type", "<" + OA + "SpecificResource>")
            w.add(ev, OA + "hasSource", article)
            w.add(ev, KGO + "lineNumber", typed(line_no, "integer"))
            q, p = f"_:q{u}x{len(evidence)}", f"_:p{u}x{len(evidence)}"
            w.add(ev, OA + "hasSelector", q)
            w.add(ev, OA + "hasSelector", p)
            w.add(q, RDF + "type", "<" + OA + "TextQuoteSelector>")
            w.add(q, OA + "exact", plain(quote))
            w.add(p, RDF + "type", "<" + OA + "TextPositionSelector>")
            w.add(p, OA + "start", typed(starts[line_no - 1] + a, "integer"))
            w.add(p, OA + "end", typed(starts[line_no - 1] + b, "integer"))
            w.add(ev, KGO + "translation", lang(f"span {a}-{b} of line {line_no}", "en"))
            evidence.append(ev)
            return ev

        for line_no in range(1, LINES + 1):
            new_evidence(line_no)
        for _ in range(5):
            new_evidence(rng.randint(1, LINES))

        def ev_pick() -> str:
            return evidence[rng.randrange(len(evidence))]

        facts: list[tuple[str, str, str, str]] = []  # (subject, predicate, object, claim slug)

        def fact(s: str, p: str, o: str, slug: str) -> None:
            w.add(s, p, o)
            facts.append((s, p, o, slug))

        # People: the author, two presenters, two chairs (new), each with a post and membership.
        people = []
        for _ in range(3):
            n = self.next_person
            self.next_person += 1
            person = iri(f"person-{n}")
            fam, giv = FAMILY[rng.randrange(len(FAMILY))], GIVEN[rng.randrange(len(GIVEN))]
            w.add(person, RDF + "type", "<" + SCHEMA + "Person>")
            w.add(person, RDF + "type", "<" + FOAF + "Person>")
            self._labels(person, fam[0] + giv[0], f"{fam[1]} {giv[1]}")
            w.add(person, SKOS + "altLabel", lang(f"{fam[1]} {giv[1]}", "ko-Latn"))
            w.add(person, KGO + "mention", ev_pick())
            people.append((n, person))
        author, presenter, chair = (p for _n, p in people)

        # Organisations: two new ones per unit, hubs and others referred to.
        home = self.org(2 * u + HUBS, ev_pick())
        partner = self.org(2 * u + HUBS + 1, ev_pick())
        for n, person in people[1:]:
            r = rng.randrange(len(ROLES))
            membership = iri(f"membership-person-{n}-2019")
            interval = iri(f"interval-person-{n}-2019")
            w.add(membership, RDF + "type", "<" + ORG + "Membership>")
            self._labels(membership, f"{ROLES[r][0]} {n}", f"{ROLES[r][1]} {n} in 2019")
            w.add(membership, ORG + "member", person)
            w.add(membership, ORG + "organization", home if n % 2 else self.org(self.pick_org()))
            w.add(membership, ORG + "role", self.role(r))
            w.add(membership, ORG + "memberDuring", interval)
            w.add(interval, RDF + "type", "<" + TIME + "Interval>")
            w.add(interval, TIME + "inside", iri("instant-2019-11-29"))
            w.add(interval, KGO + "derivationMode", "<" + KGO + "Stated>")
            w.add(interval, PROV + "wasDerivedFrom", article)
            w.add(interval, KGO + "evidence", ev_pick())
            fact(person, SCHEMA + "jobTitle", lang(ROLES[r][1], "en"), "job-title-en-1")
            fact(person, SCHEMA + "jobTitle", lang(ROLES[r][0], "ko"), "job-title-ko-1")

        # The article.
        w.add(article, RDF + "type", "<" + SCHEMA + "BlogPosting>")
        w.add(article, RDF + "type", "<" + PROV + "Entity>")
        ko, en = self.words(3)
        self._labels(article, f"{ko} 사례 소개", f"Cases of {en}")
        fact(article, SCHEMA + "headline", lang(f"{ko} 사례 소개", "ko"), "headline-ko-1")
        fact(article, SCHEMA + "inLanguage", plain("ko"), "in-language-ko")
        fact(article, SCHEMA + "author", author, f"author-person-{people[0][0]}")
        fact(article, SCHEMA + "publisher", home, "publisher-home")
        fact(article, SCHEMA + "about", event, f"about-event-{u}")
        w.add(article, KGO + "sourceFile", plain(f"source/article-{u}.ko.txt"))
        w.add(article, KGO + "mention", evidence[0])

        # The event, its four sessions and two presentations.
        w.add(event, RDF + "type", "<" + KGO + "Event>")
        ko, en = self.words(2)
        self._labels(event, f"제{u + 1}회 {ko} 라운드테이블 회의", f"Roundtable {u + 1} on {en}")
        w.add(event, SCHEMA + "description", lang(f"A meeting on {en}.", "en"))
        w.add(event, SCHEMA + "description", lang(f"{ko}에 관한 회의.", "ko"))
        fact(
            event, SCHEMA + "superEvent", iri(f"series-{u // 10}"), f"super-event-series-{u // 10}"
        )
        if u % 10 == 0:
            series = iri(f"series-{u // 10}")
            w.add(series, RDF + "type", "<" + SCHEMA + "EventSeries>")
            self._labels(series, f"라운드테이블 시리즈 {u // 10}", f"Roundtable series {u // 10}")
        day = 1 + u % 28
        fact(event, SCHEMA + "startDate", typed(f"2019-11-{day:02d}", "date"), "start-date")
        fact(event, SCHEMA + "location", self.city(rng.randrange(self.n_cities)), "location")
        fact(event, SCHEMA + "organizer", self.org(self.pick_org()), "organizer")
        attendees = {home, partner}
        for _ in range(rng.randint(3, 7)):
            attendees.add(self.org(self.pick_org()))
        for o in sorted(attendees):
            fact(event, SCHEMA + "attendee", o, "attendee-" + o[len(KG) + 1 : -1])
        fact(event, KGO + "sessionChair", chair, "session-chair")
        w.add(event, KGO + "mention", evidence[1])
        services = []
        for _ in range(2):
            provider = home if rng.random() < 0.7 else self.org(self.pick_org())
            services.append(self.service(u, provider, ev_pick, fact))
        for k in range(1, 5):
            session = iri(f"event-{u}-s{k}")
            ko, en = self.words(2)
            w.add(session, RDF + "type", "<" + KGO + "Session>")
            self._labels(session, f"제{k}세션: {ko}", f"Session {k}: {en}")
            fact(session, KGO + "sessionNumber", typed(k, "integer"), "session-number")
            fact(session, SCHEMA + "superEvent", event, "super-event")
            fact(session, SCHEMA + "about", self.topic(rng.randrange(self.n_topics)), "about-topic")
            if k == 2:
                fact(session, KGO + "chairedBy", chair, "chaired-by")
            w.add(session, KGO + "mention", ev_pick())
            fact(event, SCHEMA + "subEvent", session, f"sub-event-s{k}")
            if k <= 2:
                pres = iri(f"event-{u}-s{k}-org-{2 * u + HUBS}")
                w.add(pres, RDF + "type", "<" + KGO + "Presentation>")
                self._labels(pres, f"제{k}세션 발표", f"Presentation in session {k}")
                fact(pres, SCHEMA + "superEvent", session, "super-event")
                fact(pres, SCHEMA + "performer", presenter, "performer-person")
                fact(pres, SCHEMA + "performer", home, "performer-org")
                fact(pres, KGO + "presentedItem", services[k - 1], "presented-item")
                w.add(pres, SCHEMA + "description", lang(f"How {en} helps SMEs.", "en"))
                w.add(pres, SCHEMA + "description", lang(f"{ko}이 SME를 돕는 사례.", "ko"))
                w.add(pres, KGO + "mention", ev_pick())

        # An observation (a number said in the talk) as its own n-ary node.
        obs = iri(f"obs-{u}")
        w.add(obs, RDF + "type", "<" + SCHEMA + "Observation>")
        self._labels(obs, f"점유율 {u}", f"Market share {u}")
        w.add(obs, SCHEMA + "observationAbout", services[0])
        w.add(obs, SCHEMA + "variableMeasured", self.variable(rng.randrange(self.n_variables)))
        w.add(obs, SCHEMA + "value", typed(rng.randint(1, 99), "integer"))
        w.add(obs, SCHEMA + "unitText", plain("%"))
        w.add(obs, KGO + "derivationMode", "<" + KGO + "Stated>")
        w.add(obs, PROV + "wasDerivedFrom", article)
        w.add(obs, PROV + "wasAttributedTo", presenter)
        w.add(obs, KGO + "evidence", ev_pick())

        # One claim per fact triple.
        for s, p, o, slug in facts:
            subject = s[len(KG) + 1 : -1]
            claim = iri(f"claim-{subject}-{p.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}-{slug}")
            w.add(claim, RDF + "type", "<" + KGO + "Claim>")
            w.add(claim, RDF + "subject", s)
            w.add(claim, RDF + "predicate", "<" + p + ">")
            w.add(claim, RDF + "object", o)
            w.add(claim, PROV + "wasDerivedFrom", article)
            if rng.random() < 0.2:
                w.add(claim, KGO + "derivationMode", "<" + KGO + "Inferred>")
                w.add(claim, PROV + "wasGeneratedBy", self.activity(rng.randrange(len(ACTIVITIES))))
                w.add(claim, SKOS + "editorialNote", lang("Inferred from the context.", "en"))
                w.add(claim, SKOS + "editorialNote", lang("맥락에서 추론했다.", "ko"))
            else:
                w.add(claim, KGO + "derivationMode", "<" + KGO + "Stated>")
            if rng.random() < 0.35:
                w.add(claim, PROV + "wasAttributedTo", presenter)
            first = ev_pick()
            w.add(claim, KGO + "evidence", first)
            if rng.random() < 0.3:
                second = ev_pick()
                if second != first:
                    w.add(claim, KGO + "evidence", second)
            self.claims += 1

        # The source text: the article's text and its lines (graph source).
        w.graph("source")
        w.add(article, SCHEMA + "text", plain(text))
        for i, line in enumerate(lines, start=1):
            node = iri(f"article-{u}-line-{i}")
            w.add(node, RDF + "type", "<" + KGO + "SourceLine>")
            w.add(node, SCHEMA + "isPartOf", article)
            w.add(node, SCHEMA + "text", plain(line))
            w.add(node, KGO + "lineNumber", typed(i, "integer"))
            w.add(node, KGO + "lineStart", typed(starts[i - 1], "integer"))
            w.add(node, KGO + "lineEnd", typed(starts[i - 1] + len(line), "integer"))
        w.graph("data")

    def service(
        self,
        u: int,
        provider: str,
        ev_pick: Callable[[], str],
        fact: Callable[[str, str, str, str], None],
    ) -> str:
        rng, w = self.rng, self.w
        n = self.next_service
        self.next_service += 1
        s = iri(f"service-{n}")
        ko, en = self.words(2)
        w.add(s, RDF + "type", "<" + KGO + "Service>")
        self._labels(s, f"{ko} 서비스", f"{en.capitalize()} service")
        fact(s, SCHEMA + "provider", provider, "provider")
        fact(s, SCHEMA + "serviceType", lang(f"{en} solution", "en"), "service-type-en-1")
        fact(s, SCHEMA + "serviceType", lang(f"{ko} 솔루션", "ko"), "service-type-ko-1")
        fact(s, KGO + "addressesProblem", self.problem(rng.randrange(self.n_problems)), "problem")
        fact(s, KGO + "enables", self.capability(rng.randrange(self.n_capabilities)), "enables")
        w.add(s, SKOS + "related", self.concept(rng.randrange(self.n_concepts)))
        w.add(s, SCHEMA + "description", lang(f"A {en} service for SMEs.", "en"))
        w.add(s, SCHEMA + "description", lang(f"SME를 위한 {ko} 서비스.", "ko"))
        w.add(s, KGO + "mention", ev_pick())
        return s

    def run(self) -> list[str]:
        w = self.w
        team = iri("d4sme-kg-team")
        w.graph("links")
        w.add(team, RDF + "type", "<" + PROV + "Agent>")
        self._labels(team, "d4sme-kg 팀", "d4sme-kg team")
        w.graph("data")
        instant = iri("instant-2019-11-29")
        w.add(instant, RDF + "type", "<" + TIME + "Instant>")
        w.add(instant, TIME + "inXSDDate", typed("2019-11-29", "date"))
        u = 0
        while len(w.lines) < self.target:
            self.unit(u)
            u += 1
        self.units = u
        return w.lines[: self.target]


def generate(
    size: int, seed: int = 42, output: Path | None = None
) -> tuple[Path, dict[str, object]]:
    """Write exactly ``size`` quads to ``output``; return the path and the anchors."""
    output = output or RESULTS / f"synthetic-{size}.nq"
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generator = Generator(seed, size)
    lines = generator.run()
    with open(output, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
        handle.write("\n")
    anchors = {
        "size": size,
        "seed": seed,
        "units": generator.units,
        "claims": generator.claims,
        "org": KG + "org-0",
        "event": KG + "event-0",
        "article": KG + "article-0",
        "evidence": KG + "evidence-a0-l9-8",
        "word_ko": "플랫폼",
        "word_en": "platform",
        "seconds": round(time.perf_counter() - started, 3),
    }
    Path(str(output) + ".anchors.json").write_text(
        json.dumps(anchors, indent=2) + "\n", encoding="utf-8"
    )
    return output, anchors


def parse_size(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=parse_size, help="number of quads (e.g. 1000, 1e5, 1e6)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="N-Quads file to write (default benchmarks/results/synthetic-N.nq)",
    )
    args = parser.parse_args(argv)
    path, anchors = generate(args.size, args.seed, args.output)
    print(
        f"wrote {args.size} quads ({anchors['units']} units, {anchors['claims']} claims) to "
        f"{path} in {anchors['seconds']} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
