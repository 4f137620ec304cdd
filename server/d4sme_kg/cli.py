"""The ``d4sme-kg`` command: a thin shell over the pipeline stages.

Exit codes: 0 success (validate: conforms), 1 validate: does not conform,
2 an error (bad input, missing folder, unknown format) reported in one line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from d4sme_kg import __version__
from d4sme_kg.errors import KGError
from d4sme_kg.formats import find_format, names
from d4sme_kg.loading import load_project
from d4sme_kg.project import BASE_ENV, CONTENT_PARTS, PARTS, ROOT_ENV, Project


class KGGroup(click.Group):
    """Turns every expected error into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KGError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


pass_project = click.make_pass_decorator(Project)


@click.group(cls=KGGroup)
@click.version_option(__version__, prog_name="d4sme-kg")
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    envvar=ROOT_ENV,
    default=None,
    help=f"Project folder (ontology/, data/, queries/). Default: the embedded "
    f"project. Env: {ROOT_ENV}.",
)
@click.option(
    "--base-iri",
    envvar=BASE_ENV,
    default=None,
    help=f"Base IRI the entities are served under. Env: {BASE_ENV}.",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None, base_iri: str | None) -> None:
    """Build, check, export and serve the D4SME article knowledge graph."""
    ctx.obj = Project.from_root(root, base_iri)


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    default="en",
    show_default=True,
    help="Language of the messages in the text report.",
)
@pass_project
def validate(project: Project, fmt: str, lang: str) -> None:
    """Check the data against the SHACL shapes. Exit 0 conforms, 1 does not, 2 error."""
    from d4sme_kg.validation import validate_knowledge_graph

    kg = load_project(project)
    report = validate_knowledge_graph(kg, processes=min(2, os.cpu_count() or 1))
    if fmt == "text":
        click.echo(report.text(lang, names=kg.parts["ontology"]))
    elif fmt == "turtle":
        click.echo(report.graph.serialize(format="turtle"))
    else:
        click.echo(json.dumps(_report_json(report, lang), ensure_ascii=False, indent=2))
    sys.exit(0 if report.conforms else 1)


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    default="turtle",
    show_default=True,
    help=f"One of: {', '.join(names())}.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="File to write, '-' for standard output.",
)
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    type=click.Choice(PARTS),
    help=f"Export only these parts (repeatable). Default: {', '.join(CONTENT_PARTS)}.",
)
@click.option(
    "--inferred",
    is_flag=True,
    help="Add the OWL 2 RL closure (owlrl), which includes the RDFS entailments.",
)
@pass_project
def export(
    project: Project, fmt: str, output: str, graphs: tuple[str, ...], inferred: bool
) -> None:
    """Write the graph as Turtle, N-Triples, JSON-LD, RDF/XML, TriG or N-Quads."""
    from d4sme_kg.export import export_graph

    chosen = find_format(fmt)
    parts = graphs or CONTENT_PARTS
    kg = load_project(project, parts)
    payload = export_graph(kg, chosen, parts, inferred=inferred)
    if output == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        try:
            Path(output).write_bytes(payload)
        except OSError as error:
            raise KGError(f"{output}: cannot write: {error.strerror}") from None
        click.echo(f"wrote {len(payload)} bytes to {output}", err=True)


@cli.command()
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_project
def stats(project: Project, fmt: str) -> None:
    """Triples per graph, instances per class, labels per language."""
    from d4sme_kg.stats import compute_stats

    result = compute_stats(load_project(project))
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.text())


@cli.command()
@click.option(
    "--store",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the new on-disk store (absent, empty, or left by an unfinished load).",
)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def load(folder: Path, files: tuple[Path, ...]) -> None:
    """Load RDF files into an on-disk store for `serve --store DIR` (no validation)."""
    import time

    from d4sme_kg.store.disk import load_disk_store

    started = time.monotonic()
    terminal = sys.stderr.isatty()
    counts = load_disk_store(folder, files, _show_progress if terminal else None)
    seconds = time.monotonic() - started
    if terminal:
        click.echo("\r\033[K", nl=False, err=True)
    click.echo(
        f"loaded {counts.triples:,} triples in {len(counts.graphs)} named graphs into "
        f"{folder} in {seconds:.1f} s ({counts.triples / max(seconds, 1e-9):,.0f} triples/s)",
        err=True,
    )


def _show_progress(progress: Any) -> None:
    """One line, redrawn: quads (or megabytes), rate, share done and time left."""
    width = 30
    done = progress.read / progress.total if progress.total else 1.0
    bar = "#" * int(done * width)
    if progress.quads:
        amount = f"{progress.quads:,} quads  {progress.rate:,.0f}/s"
    else:
        amount = (
            f"{progress.read / 1e6:,.0f} MB  {progress.read / 1e6 / progress.seconds:,.1f} MB/s"
        )
    left = progress.left
    eta = f"{int(left) // 60}:{int(left) % 60:02d} left" if left is not None else ""
    click.echo(f"\r[{bar:<{width}}] {done:4.0%}  {amount}  {eta}\033[K", nl=False, err=True)


def _register_service_commands() -> None:
    from d4sme_kg.commands import query, serve

    cli.add_command(serve)
    cli.add_command(query)
    from d4sme_kg.linking.commands import link

    cli.add_command(link)  # noqa: E702, I001


_register_service_commands()


def _report_json(report: Any, lang: str) -> dict[str, Any]:
    return {
        "conforms": report.conforms,
        "results": [
            {
                "severity": r.severity.split("#")[-1],
                "focusNode": str(r.focus),
                "resultPath": str(r.path) if r.path is not None else None,
                "constraintComponent": r.component.split("#")[-1],
                "sourceShape": str(r.source_shape),
                "value": str(r.value) if r.value is not None else None,
                "message": r.message(lang),
            }
            for r in report.results
        ],
    }


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="d4sme-kg")
