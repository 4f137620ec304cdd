"""The ``d4sme-kg link`` commands: ``wikidata`` and ``oecd``."""

from __future__ import annotations

from pathlib import Path

import click
from rdflib import URIRef

from d4sme_kg.linking.client import WIKIDATA_ENDPOINT, SparqlClient, default_cache_dir
from d4sme_kg.linking.linkfile import LinkFile, today
from d4sme_kg.project import Project


@click.group()
def link() -> None:
    """Link the graph's entities to Wikidata and the OECD."""


@link.command()
@click.option(
    "--endpoint",
    default=WIKIDATA_ENDPOINT,
    show_default=True,
    metavar="URL",
    help="A SPARQL 1.1 endpoint holding Wikidata's RDF model.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Links file to update. Default: data/links/wikidata.ttl of the project.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where answers are cached (keyed by endpoint and query). Default: "
    "~/.cache/d4sme-kg/sparql.",
)
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds to wait for one answer.",
)
@click.option(
    "--retries",
    default=4,
    show_default=True,
    type=click.IntRange(0, 10),
    help="Retries on 429/5xx, with back-off that honours Retry-After.",
)
@click.option("--review", is_flag=True, help="Then accept or reject the candidates one by one.")
@click.option(
    "--reviewer",
    default=None,
    metavar="IRI",
    help="Who reviews (an IRI). Default: the project team, kg:d4sme-kg-team.",
)
@click.option(
    "--date",
    "date",
    default=None,
    metavar="YYYY-MM-DD",
    help="Date written on new links and decisions. Default: today.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def wikidata(
    project: Project,
    endpoint: str,
    output: Path | None,
    cache_dir: Path | None,
    timeout: float,
    retries: int,
    review: bool,
    reviewer: str | None,
    date: str | None,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Find, score and record Wikidata links (accepted, candidates, not found)."""
    from d4sme_kg.linking import review as reviewing
    from d4sme_kg.linking.wikidata import link_wikidata, record, summary, write_or_show

    path = output or project.data_dir / "links" / "wikidata.ttl"
    links = LinkFile(path, project.base)
    client = SparqlClient(endpoint, cache_dir or default_cache_dir(), timeout, retries)
    run = link_wikidata(project, links, client, progress=not quiet)
    when = date or today()
    record(links, run, when)
    click.echo(summary(run))
    click.echo(
        f"{client.requests} request(s) to {endpoint}, {client.cache_hits} answered from the cache",
        err=True,
    )
    if review:
        who = URIRef(reviewer) if reviewer else links.kg["d4sme-kg-team"]
        counts = reviewing.review(links, who, when)
        click.echo(
            f"review: {counts['accepted']} accepted, {counts['rejected']} rejected, "
            f"{counts['skipped']} left as candidates"
        )
    write_or_show(links, dry_run, click.echo)


@link.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Links file to update. Default: data/links/oecd.ttl of the project.",
)
@click.option("--check", is_flag=True, help="Ask the OECD API whether each data URL answers.")
@click.option(
    "--api-base",
    default=None,
    metavar="URL",
    help="Where --check sends its requests (default: the OECD's SDMX REST API).",
)
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1))
@click.option("--dry-run", is_flag=True, help="Show the links; write nothing.")
@click.pass_obj
def oecd(
    project: Project,
    output: Path | None,
    check: bool,
    api_base: str | None,
    timeout: float,
    dry_run: bool,
) -> None:
    """Link the countries to their OECD SME statistics and the OECD bodies to their pages."""
    from d4sme_kg.linking import oecd as linker

    path = output or project.data_dir / "links" / "oecd.ttl"
    links = linker.build(project, path)
    click.echo(linker.table(links))
    if check:
        click.echo(linker.check(links, api_base or linker.API_BASE, timeout))
    if dry_run:
        click.echo("dry run: nothing written")
    else:
        linker.write(links, path, project)
        click.echo(f"wrote {path}")
