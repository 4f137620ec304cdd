from rdflib import Dataset, Graph

from d4sme_kg.project import CONTENT_PARTS, Project

from ..servers import http


def test_export_in_every_format(server: str, project: Project) -> None:
    turtle = http("GET", f"{server}/export.ttl")
    assert turtle.status == 200 and turtle.media_type == "text/turtle"
    assert "attachment" in turtle.headers["content-disposition"]
    graph = Graph().parse(data=turtle.body, format="turtle")
    assert len(graph) > 4000
    assert http("GET", f"{server}/export.ttl").body == turtle.body, (
        "stable from download to download"
    )
    for suffix, rdflib_format in (("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")):
        reply = http("GET", f"{server}/export.{suffix}")
        assert reply.status == 200
        assert len(Graph().parse(data=reply.body, format=rdflib_format)) == len(graph)
    trig = http("GET", f"{server}/export.trig")
    dataset = Dataset()
    dataset.parse(data=trig.body, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {project.graph_iri(part) for part in CONTENT_PARTS}
    assert http("GET", f"{server}/export.yaml").status == 404


def test_void_description(server: str) -> None:
    reply = http("GET", f"{server}/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    answer = graph.query("""PREFIX void: <http://rdfs.org/ns/void#>
        ASK { ?d a void:Dataset ; void:triples ?n ; void:classPartition [ void:entities ?e ] }""")
    assert answer.askAnswer
