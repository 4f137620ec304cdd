"""Every named query, run through the project's engine, gives the article's answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from d4sme_kg.parameters import bind_values
from d4sme_kg.queries import public_queries
from d4sme_kg.service import KnowledgeGraphService
from d4sme_kg.settings import Settings
from d4sme_kg.startup import open_service

REPO = Path(__file__).resolve().parents[2]
KG = "https://w3id.org/d4sme-kg/id/"
KGO = "https://w3id.org/d4sme-kg/ontology#"
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def service() -> Iterator[KnowledgeGraphService]:
    opened = open_service(Settings(root=str(REPO), workers=1, validate=False))
    yield opened
    opened.backend.close()


def run(service: KnowledgeGraphService, name: str, **params: str) -> list[dict[str, str]]:
    """The rows of a named query as plain {variable: value} dictionaries."""
    query = public_queries(service.project.queries_dir)[name]
    answer = service.query(query.text, bindings=bind_values(query, params, service.prefixes))
    document = json.loads(answer.body)
    return [{k: v["value"] for k, v in row.items()} for row in document["results"]["bindings"]]


def column(rows: list[dict[str, str]], name: str) -> list[str]:
    return [row[name] for row in rows if name in row]


def test_there_are_at_least_twenty_named_queries_with_bilingual_headers(
    service: KnowledgeGraphService,
) -> None:
    queries = public_queries(service.project.queries_dir)
    ours = [q for q in queries.values() if q.folder in ("", "checks")]  # linking/ is not ours
    assert len(ours) >= 20
    for query in ours:
        assert {"en", "ko"} <= set(query.titles), query.name
        assert {"en", "ko"} <= set(query.descriptions), query.name


def test_attendees(service: KnowledgeGraphService) -> None:
    rows = run(service, "attendees")
    assert column(rows, "nameEn") == [
        "Amazon",
        "Facebook",
        "Kakao",
        "Ministry of SMEs and Startups",
        "POSCO",
        "Smart Manufacturing Innovation Promotion Team",
        "Telstar-Hommel",
        "eBay",
    ]
    kakao = next(r for r in rows if r["nameEn"] == "Kakao")
    assert kakao["nameKo"] == "카카오" and kakao["country"] == "South Korea"
    assert set(kakao["kinds"].split(", ")) == {"internet company", "platform company"}


def test_attendees_of_another_event_is_empty(service: KnowledgeGraphService) -> None:
    assert run(service, "attendees", event="kg:d4sme-roundtable-2019-s1") == []


def test_event_overview(service: KnowledgeGraphService) -> None:
    (row,) = run(service, "event-overview")
    assert row["date"] == "2019-11-29" and row["placeEn"] == "Paris"
    assert row["attendees"] == "70" and row["approximate"] == "true"
    assert row["atLeast"] == "true"  # 70여 명: seventy-odd, 70 is a lower bound
    assert row["organizerEn"] == "OECD Centre for Entrepreneurship, SMEs, Regions and Cities"
    assert row["nameKo"] == "제1회 D4SME 라운드테이블 회의"


def test_sessions(service: KnowledgeGraphService) -> None:
    rows = run(service, "sessions")
    assert column(rows, "number") == ["1", "2", "3", "4"]
    assert rows[1]["titleKo"] == "제2세션: SME를 위한 AI"
    assert column(rows, "chairEn") == ["Park Young-sun"]


def test_session_2_is_chaired_by_park_young_sun(service: KnowledgeGraphService) -> None:
    rows = run(service, "session-chairs")
    assert sorted(column(rows, "nameEn")) == ["Park Young-sun", "Pat Breen", "Stuart Nash"]
    park = next(r for r in rows if r["nameEn"] == "Park Young-sun")
    assert park["sessionNumber"] == "2" and park["nameKo"] == "박영선"
    assert park["postEn"] == "Minister of SMEs and Startups"
    nash = next(r for r in rows if r["nameEn"] == "Stuart Nash")
    assert "sessionNumber" not in nash and nash["countryEn"] == "New Zealand"


def test_what_kakao_presented_and_where(service: KnowledgeGraphService) -> None:
    rows = run(service, "kakao-presentations")
    presented = {(r["sessionNumber"], r["itemEn"]) for r in rows}
    assert presented == {
        ("1", "Biz Message"),
        ("1", "Kakao Makers"),
        ("2", "Kakao i Open Builder"),
        ("2", "Kakao Algorithm Ethics charter"),
    }
    assert set(column(rows, "speakerEn")) == {"Kim Dae-won"}
    assert set(column(rows, "cityEn")) == {"Paris"}
    assert set(column(rows, "mode")) == {"Inferred"}  # sessions follow the headings


def test_which_problem_each_service_addresses(service: KnowledgeGraphService) -> None:
    rows = run(service, "service-problems")
    pairs = {(r["serviceEn"], r["problemEn"]) for r in rows}
    assert pairs == {
        ("Biz Message", "high customer-care cost"),
        ("Kakao Makers", "over- and under-production"),
        ("Kakao Makers", "lack of means to analyse demand in advance"),
        ("Kakao Makers", "inventory burden"),
        ("Kakao i Open Builder", "lack of AI specialists"),
    }
    assert "AI 전문인력 수급의 어려움" in column(rows, "problemKo")


def test_services(service: KnowledgeGraphService) -> None:
    rows = run(service, "services")
    assert len(rows) == 6 and "KakaoTalk" in column(rows, "nameEn")
    assert run(service, "services", provider="kg:oecd") == []


def test_no_code_services(service: KnowledgeGraphService) -> None:
    rows = run(service, "no-code-services")
    assert column(rows, "nameKo") == ["카카오 챗봇 서비스", "카카오 고객 분석 서비스"]
    assert run(service, "no-code-services", requiresCoding="true") == []


def test_capabilities_of_open_builder(service: KnowledgeGraphService) -> None:
    rows = run(service, "capabilities")
    assert column(rows, "nameKo") == ["콘텐츠 추천", "대화", "이미지 분석", "음성 인식", "번역"]


def test_numbers_with_quotes(service: KnowledgeGraphService) -> None:
    rows = {r["value"]: r for r in run(service, "numbers")}
    assert set(rows) == {"70", "94", "20"}
    assert rows["94"]["unit"] == "%" and rows["94"]["saidBy"] == "Kim Dae-won"
    assert "94%의 점유율" in rows["94"]["quote"]
    assert rows["20"]["quote"] == "비즈메시지의 비용은 기존 문자메시지에 비해 20% 수준입니다"
    assert rows["20"]["translation"] == "Biz Message costs about 20% of a conventional text message"
    assert rows["70"]["quote"] == "70여 명" and rows["70"]["approximate"] == "true"
    assert rows["70"]["atLeast"] == "true" and rows["94"]["atLeast"] == "false"


def test_claims_with_quotes(service: KnowledgeGraphService) -> None:
    everything = run(service, "claims")
    assert len({r["claim"] for r in everything}) == 202
    rows = run(service, "claims", subject=KG + "biz-message")
    provider = next(r for r in rows if r["predicate"] == "https://schema.org/provider")
    assert provider["object"] == KG + "kakao" and provider["mode"] == "Stated"
    assert provider["line"] == "10" and "비즈메시지(Biz Message)" in provider["quote"]
    assert {r["subject"] for r in rows} == {KG + "biz-message"}


def test_inferred_facts_and_why(service: KnowledgeGraphService) -> None:
    rows = run(service, "inferred-facts")
    assert len(rows) == 31
    date = next(r for r in rows if r.get("predicate") == "https://schema.org/startDate")
    assert date["object"] == "2019-11-29"
    assert date["activityEn"] == "Infer the year of the roundtable"
    assert "지난 11월 29일" in date["reasonEn"] and "추론" in date["reasonKo"]
    assert all("reasonEn" in r and "reasonKo" in r and "activityEn" in r for r in rows)


def test_wikidata_links(service: KnowledgeGraphService) -> None:
    rows = run(service, "wikidata-links")
    links = {r["labelEn"]: r["wikidata"] for r in rows}
    assert len(rows) == 16
    assert links["Park Young-sun"] == WD + "Q11521597" and links["Paris"] == WD + "Q90"
    assert links["small and medium-sized enterprise"] == WD + "Q622439"
    assert set(column(rows, "status")) == {"Accepted"}


def test_links_by_score(service: KnowledgeGraphService) -> None:
    assert len(run(service, "links-by-score")) == 12  # four medium links score 0.8
    assert len(run(service, "links-by-score", minScore="0.5")) == 16
    assert run(service, "links-by-score", minScore="1.5") == []


def test_oecd_links(service: KnowledgeGraphService) -> None:
    rows = {r["labelEn"]: r for r in run(service, "oecd-links")}
    assert rows["South Korea"]["alpha3"] == "KOR" and rows["South Korea"]["numeric"] == "410"
    assert (
        rows["Digital for SMEs Initiative (D4SME)"]["page"] == "https://www.oecd.org/digital/sme/"
    )
    assert set(rows) >= {"France", "Ireland", "New Zealand", "Paris"}


def test_labels_in_both_languages(service: KnowledgeGraphService) -> None:
    rows = {r["entity"]: r for r in run(service, "labels")}
    assert rows[KG + "kakao"]["labelKo"] == "카카오"
    assert rows[KG + "park-young-sun"]["labelEn"] == "Park Young-sun"
    assert rows[KG + "concept-sme"]["labelKo"] == "중소기업"


def test_search(service: KnowledgeGraphService) -> None:
    rows = run(service, "search")
    assert rows[0]["entity"] == KG + "kakao"
    english = run(service, "search", text="makers", lang="en")
    assert column(english, "entity")[0] == KG + "kakao-makers"


def test_class_counts(service: KnowledgeGraphService) -> None:
    rows = {r["class"]: r for r in run(service, "class-counts")}
    assert rows[KGO + "Claim"]["instances"] == "202"
    assert rows[KGO + "Session"]["instances"] == "4"
    assert rows[KGO + "Organization"]["instances"] == "20"
    assert rows[KGO + "Session"]["labelKo"] == "세션"


def test_timeline_of_kakao_ethics_principles(service: KnowledgeGraphService) -> None:
    rows = run(service, "ethics-timeline")
    assert [(r["year"], r["nameKo"]) for r in rows] == [
        ("2018", "카카오 알고리즘 윤리헌장"),
        ("2019", "포용적 기술 원칙"),
    ]
    assert rows[1]["partOfEn"] == "Kakao Algorithm Ethics charter"
    assert {r["yearMode"] for r in rows} == {"Inferred"}
    assert "작년" in rows[0]["quote"]


def test_kakao_stances(service: KnowledgeGraphService) -> None:
    rows = {r["stance"]: r for r in run(service, "kakao-stances")}
    assert len(rows) == 4
    partners = rows[KG + "stance-kakao-smes-as-partners"]
    assert partners["regardedAs"] == "partner" and "‘파트너’" in partners["quotes"]


def test_people(service: KnowledgeGraphService) -> None:
    rows = {r["nameEn"]: r for r in run(service, "people")}
    assert rows["Kim Dae-won"]["organizationEn"] == "Kakao External Policy Team"
    assert rows["Kim Dae-won"]["roleEn"] == "Director"
    assert rows["Pat Breen"]["mode"] == "Inferred"
    assert "roleEn" not in rows["Kim Su-won"]
    # named only by the OECD proceedings (S1)
    assert rows["Angel Gurría"]["roleEn"] == "Secretary-General"
    assert rows["Angel Gurría"]["sourceEn"].startswith("OECD (2020)")


def test_mentions(service: KnowledgeGraphService) -> None:
    rows = run(service, "mentions")
    assert rows[0]["line"] == "6" and rows[0]["quote"] == "카카오메이커스(Kakao Makers)"
    assert {r["line"] for r in rows} == {"6", "13", "14"}


def test_article_lines(service: KnowledgeGraphService) -> None:
    rows = run(service, "article-lines")
    assert column(rows, "line") == [str(n) for n in range(1, 21)]
    assert rows[15]["text"] == "제2세션: SME를 위한 AI"
    assert "김수원" in rows[19]["text"] and "@" not in rows[19]["text"]


def test_quotes_on_a_line(service: KnowledgeGraphService) -> None:
    rows = run(service, "quotes-on-line", line="11")
    assert len(rows) == 6 and rows[0]["start"] == "2016"
    assert {r["line"] for r in rows} == {"11"}
    assert run(service, "quotes-on-line", line="99") == []


def test_events_on_a_date(service: KnowledgeGraphService) -> None:
    (row,) = run(service, "events-on-date")
    assert row["event"] == KG + "d4sme-roundtable-2019" and row["mode"] == "Inferred"
    assert run(service, "events-on-date", date="2020-01-01") == []


def test_topics(service: KnowledgeGraphService) -> None:
    rows = run(service, "topics")
    assert "SME를 위한 AI" in column(rows, "labelKo")
    assert len({r["scheme"] for r in rows}) == 6


def test_entity_description_is_a_graph(service: KnowledgeGraphService) -> None:
    query = public_queries(service.project.queries_dir)["entity-description"]
    bindings = bind_values(query, {"entity": "kg:kakao-makers"}, service.prefixes)
    answer = service.query(query.text, graph_format="nt", bindings=bindings)
    body = answer.body.decode()
    assert answer.kind == "graph" and "카카오메이커스" in body
    assert f"<{KG}claim-kakao-makers-provider-kakao>" in body


def test_check_entities_without_claims(service: KnowledgeGraphService) -> None:
    found = set(column(run(service, "checks/entities-without-claims"), "entity"))
    assert KG + "concept-sms" in found and KG + "var-attendee-count" in found
    assert KG + "kakao" not in found


def test_check_evidence_no_fact_uses(service: KnowledgeGraphService) -> None:
    rows = run(service, "checks/unused-evidence")
    assert len(rows) == 38
    assert all(int(r["mentions"]) >= 1 for r in rows)  # each is a first mention
    assert KG + "evidence-l4-posco" in column(rows, "evidence")


@pytest.mark.parametrize(
    "name",
    [
        "checks/claims-not-asserted",
        "checks/evidence-per-line",
        "checks/inferred-without-reason",
        "checks/missing-labels",
        "checks/unrecorded-links",
        "checks/untranslated-evidence",
    ],
)
def test_checks_that_pass_on_the_article(service: KnowledgeGraphService, name: str) -> None:
    assert run(service, name) == []


# --- second sources (issue 16) ----------------------------------------------------------

S1 = KG + "oecd-d4sme-proceedings-2020"
S2 = KG + "press-2020-04-17"


def test_the_sources(service: KnowledgeGraphService) -> None:
    rows = run(service, "sources")
    assert [(r["source"], r["role"]) for r in rows] == [
        (KG + "article-kakao-d4sme", "primary source"),
        (S1, "second source"),
        (S2, "second source"),
    ]
    s1, s2 = rows[1], rows[2]
    assert s1["publishers"] == "Organisation for Economic Co-operation and Development"
    assert (
        s1["date"] == "2020" and s1["language"] == "en" and s1["addresses"].startswith("https://")
    )
    assert len(s2["addresses"].split()) == 4 and "Digital Today" in s2["publishers"]
    assert int(s1["confirms"]) > 0 and int(s2["facts"]) > 0
    korean = run(service, "sources", lang="ko")
    assert korean[0]["label"] == "D4SME 이니셔티브에 초청받아 카카오의 상생 사례 소개"


def test_facts_a_second_source_confirms(service: KnowledgeGraphService) -> None:
    rows = run(service, "second-source-confirms")
    year = next(r for r in rows if r.get("predicate") == "https://schema.org/startDate")
    # Inferred from the article, stated by the OECD proceedings: both are shown.
    assert year["articleMode"] == "Inferred" and year["quote"] == "지난 11월 29일"
    assert year["source"] == S1 and "29 November 2019" in year["statement"]
    assert "page 2" in year["locator"]
    launch = next(r for r in rows if r.get("predicate") == KGO + "launched")
    assert "볼 수 있습니다" in launch["quote"] and "formal launch" in launch["statement"]
    confirmed = {r.get("subject", r["fact"]) for r in rows}
    assert KG + "invitation-kakao-d4sme-2019" in confirmed
    assert {r["source"] for r in run(service, "second-source-confirms", source=S2)} == {S2}
    korean = run(service, "second-source-confirms", source=S1, lang="ko")
    assert korean and all(r["locator"].endswith("2쪽") or "2쪽" in r["locator"] for r in korean)
    assert any("2019년 11월 29일" in r["statement"] for r in korean)


def test_facts_only_the_article_states(service: KnowledgeGraphService) -> None:
    rows = run(service, "article-only")
    facts = {r["fact"] for r in rows}
    assert KG + "claim-d4sme-roundtable-2019-attendee-posco" in facts
    assert KG + "obs-kakaotalk-share" in facts
    # confirmed by a second source, or worded differently by one: not "only the article"
    assert KG + "claim-d4sme-roundtable-2019-attendee-kakao" not in facts
    assert KG + "claim-kim-dae-won-job-title-ko-1" not in facts
    assert KG + "claim-d4sme-roundtable-2019-start-date" not in facts  # inferred, not stated
    assert all(r["quotes"] for r in rows)
    about_posco = run(service, "article-only", subject=KG + "posco")
    assert about_posco and {r["subject"] for r in about_posco} == {KG + "posco"}


def test_where_the_sources_differ(service: KnowledgeGraphService) -> None:
    rows = {r["subjectLabel"]: r for r in run(service, "sources-differ")}
    assert set(rows) == {"Kim Dae-won", "Stuart Nash"}
    kim = rows["Kim Dae-won"]
    assert kim["value"] == "Director, External Policy Team"
    assert kim["otherValue"] == "Head of the policy team"
    assert kim["source"].startswith("Invited to the D4SME initiative")  # the article first
    assert kim["otherSource"].startswith("Korean press reports of 17 April 2020")
    assert "not known" in kim["note"]
    assert rows["Stuart Nash"]["otherValue"].startswith("Minister of Police, Fisheries")
    korean = {r["subject"]: r for r in run(service, "sources-differ", lang="ko")}
    assert korean[KG + "kim-dae-won"]["value"] == "대외정책팀 이사"
    assert korean[KG + "kim-dae-won"]["otherValue"] == "정책팀장"


def test_timeline_of_kakao_and_d4sme(service: KnowledgeGraphService) -> None:
    rows = run(service, "kakao-d4sme-timeline")
    assert [(r["when"], r["kind"]) for r in rows] == [
        ("2018", "principle"),
        ("2019", "principle"),
        ("2019-11-29", "meeting"),
        ("2020-04-16", "meeting"),
        ("2020-04-17", "membership"),
    ]
    roundtable = rows[2]
    assert (
        roundtable["thing"] == KG + "d4sme-roundtable-2019" and roundtable["dateMode"] == "Inferred"
    )
    # The year is inferred from the article and stated by the OECD proceedings (S1).
    assert "OECD (2020)" in roundtable["sources"]
    assert rows[4]["sources"].startswith("Korean press reports")
    assert [r["what"] for r in run(service, "kakao-d4sme-timeline", lang="ko")][0] == (
        "카카오 알고리즘 윤리헌장"
    )
    # Another company: the initiative's meetings, but none of Kakao's principles or memberships.
    posco = run(service, "kakao-d4sme-timeline", company=KG + "posco")
    assert {r["kind"] for r in posco} == {"meeting"}
