"""``d4sme-kg link oecd``: the countries' OECD SME statistics and the OECD's own pages.

Each country gets the SDMX data URL of the OECD's SME statistics by size class (SDBS)
for its REF_AREA (ISO 3166-1 alpha-3), described as a dcat:Dataset / void:Dataset so
that it passes the dataset shape; the OECD, the CFE and D4SME get their pages. All are
``rdfs:seeAlso`` links: pointers to read, not identity statements (those are Wikidata's).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from d4sme_kg.linking.client import USER_AGENT
from d4sme_kg.linking.entities import graph_store, run
from d4sme_kg.namespaces import base_namespaces, bind_prefixes
from d4sme_kg.project import Project

API_BASE = "https://sdmx.oecd.org/public/rest"
DATAFLOW = "OECD.SDD.TPS,DSD_SDBSBSC_ISIC4@DF_SDBS_ISIC4,1.0"
DIMENSIONS = (
    "FREQ",
    "REF_AREA",
    "MEASURE",
    "ACTIVITY",
    "SIZE_CLASS",
    "UNIT_MEASURE",
    "TIME_PERIOD",
)
LICENCE = URIRef("https://www.oecd.org/en/about/terms-conditions.html")
PAGES = {
    "oecd": "https://www.oecd.org/",
    "oecd-cfe": "https://www.oecd.org/cfe/",
    "d4sme": "https://www.oecd.org/digital/sme/",
}
HEADER = (
    "# d4sme-kg links: OECD-side identifiers. ISO 3166-1 codes of the countries (alpha-3 "
    "is the OECD's REF_AREA),\n# GeoNames records, the OECD SME statistics (SDBS) of each "
    "country as an SDMX data URL, and the OECD's\n# pages. Written by `d4sme-kg link "
    "oecd`; other statements in the file are kept.\n\n"
)


def data_url(ref_area: str, base: str = API_BASE) -> str:
    """The SDMX REST data URL of one country's SME statistics by size class."""
    key = ".".join(ref_area if d == "REF_AREA" else "" for d in DIMENSIONS)
    return f"{base.rstrip('/')}/data/{DATAFLOW}/{key}"


def build(project: Project, path: Path) -> Graph:
    """The links file's current content plus the OECD links the graph calls for."""
    graph = Graph()
    if path.is_file():
        graph.parse(path, format="turtle")
    kg = base_namespaces(project.base)["kg"]
    oecd = URIRef(kg["oecd"])
    for row in run(graph_store(project), project, "oecd-countries"):
        country, code = URIRef(row["country"]), row["code"][0]
        url = URIRef(data_url(code))
        en = row["en"][0] if "en" in row else code
        ko = row["ko"][0] if "ko" in row else code
        graph.add((country, RDFS.seeAlso, url))
        graph.add((url, RDF.type, DCAT.Dataset))
        graph.add((url, RDF.type, VOID.Dataset))
        graph.set(
            (url, DCTERMS.title, Literal(f"OECD SME statistics by size class: {en}", lang="en"))
        )
        graph.add((url, DCTERMS.title, Literal(f"OECD 규모별 중소기업 통계: {ko}", lang="ko")))
        graph.set((url, DCTERMS.license, LICENCE))
        graph.set((url, DCTERMS.publisher, oecd))
        graph.set((url, DCTERMS.spatial, country))
        graph.set((url, DCTERMS.identifier, Literal(f"{DATAFLOW}/{code}")))
    for slug, page in PAGES.items():
        graph.add((URIRef(kg[slug]), RDFS.seeAlso, URIRef(page)))
    return graph


def datasets(graph: Graph) -> list[str]:
    return sorted(
        str(s) for s in graph.subjects(RDF.type, DCAT.Dataset) if str(s).startswith(API_BASE)
    )


def table(graph: Graph) -> str:
    lines = [f"{'country':<14}{'OECD SME statistics (SDMX data URL)'}"]
    for url in datasets(graph):
        country = graph.value(URIRef(url), DCTERMS.spatial)
        lines.append(f"{str(country).rsplit('/', 1)[-1]:<14}{url}")
    for slug, page in PAGES.items():
        lines.append(f"{slug:<14}{page}")
    return "\n".join(lines)


def check(graph: Graph, api_base: str, timeout: float) -> str:
    """Ask the API whether each data URL answers; without network, say so (links are kept)."""
    lines = []
    for url in datasets(graph):
        target = api_base.rstrip("/") + url[len(API_BASE) :]
        request = urllib.request.Request(
            target,
            method="GET",
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/vnd.sdmx.data+csv, */*;q=0.5",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                lines.append(f"ok   {response.status}  {target}")
        except urllib.error.HTTPError as error:
            lines.append(f"FAIL {error.code}  {target}")
            error.close()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            lines.append(
                f"the OECD API at {api_base} cannot be reached ({reason}); the links "
                f"are kept unchecked"
            )
            break
    return "\n".join(lines)


def write(graph: Graph, path: Path, project: Project) -> None:
    bind_prefixes(graph, project.base)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + graph.serialize(format="turtle"), encoding="utf-8")
