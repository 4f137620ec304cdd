"""`d4sme-kg load` and the on-disk store it leaves: markers, kept counts, served counts;
the memory a first load leaves in the server, and ``--store auto``.

Real processes throughout: the command as a user runs it (stderr a pipe, not a
terminal), and servers started on the folders it made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from d4sme_kg.settings import Settings
from d4sme_kg.startup import IN_MEMORY_MAX_BYTES, open_service

from .conftest import REPO
from .servers import d4sme_server, http

MARKER = "d4sme-kg-store"
LOADING = "d4sme-kg-loading"
COUNTS = "d4sme-kg-counts.json"
TOKEN = "load-command-test-token"


def d4sme(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "d4sme_kg", *args], capture_output=True, text=True, timeout=300
    )


def _synthetic_quads(tmp_path_factory: pytest.TempPathFactory, quads: int) -> Path:
    """A new N-Quads file of ``quads`` quads of the article's shape in three named graphs
    (written by benchmarks/synthetic.py)."""
    path = tmp_path_factory.mktemp("data") / f"synthetic-{quads}.nq"
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "synthetic.py"), str(quads), "-o", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 quads of the article's shape in three named graphs."""
    return _synthetic_quads(tmp_path_factory, 20_000)


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's graphs as N-Quads: data that conforms, so that writes are taken."""
    path = tmp_path_factory.mktemp("article") / "article.nq"
    done = d4sme("export", "-f", "nquads", "-o", str(path))
    assert done.returncode == 0, done.stderr
    return path


def kept(folder: Path) -> dict[str, object]:
    counts: dict[str, object] = json.loads((folder / COUNTS).read_text(encoding="utf-8"))
    return counts


def healthz(base: str) -> dict[str, object]:
    health: dict[str, object] = http("GET", f"{base}/healthz").json()
    return health


def test_load_off_a_terminal_prints_one_final_line(tmp_path: Path, synthetic: Path) -> None:
    folder = tmp_path / "store"
    done = d4sme("load", "--store", str(folder), str(synthetic))
    assert done.returncode == 0, done.stderr
    # No progress bar when stderr is not a terminal: no redrawn line, one line in all.
    assert "\r" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("loaded 20,000 triples in 3 named graphs")
    assert done.stdout == ""
    assert (folder / MARKER).is_file() and not (folder / LOADING).exists()
    counts = kept(folder)
    assert counts["triples"] == 20000
    assert counts["graphs"] == [
        "https://w3id.org/d4sme-kg/graph/data",
        "https://w3id.org/d4sme-kg/graph/links",
        "https://w3id.org/d4sme-kg/graph/source",
    ]


def test_a_bad_file_is_one_line_and_no_store_marked_complete(
    tmp_path: Path, synthetic: Path
) -> None:
    folder = tmp_path / "store"
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    done = d4sme("load", "--store", str(folder), str(synthetic), str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"error: {bad}: ")
    assert "Traceback" not in done.stderr
    # The good file went in before the bad one: the folder holds a half-loaded store,
    # known as ours and never taken for a finished one.
    assert not (folder / MARKER).exists() and (folder / LOADING).is_file()
    assert not (folder / COUNTS).exists()

    # Loaded again, cleanly: only what this load reads, nothing left of the first.
    again = d4sme("load", "--store", str(folder), str(synthetic))
    assert again.returncode == 0, again.stderr
    assert kept(folder)["triples"] == 20000
    assert len(ox.Store.read_only(str(folder))) == 20000


def test_serve_loads_a_half_loaded_folder_again(tmp_path: Path, synthetic: Path) -> None:
    folder = tmp_path / "store"
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/s> <http://example.org/p> .\n", encoding="utf-8")
    assert d4sme("load", "--store", str(folder), str(synthetic), str(bad)).returncode == 2
    args = ["--data", str(synthetic), "--store", str(folder), "--no-validate", "--workers", "1"]
    with d4sme_server(args) as base:
        assert healthz(base)["triples"] == 20000
    assert (folder / MARKER).is_file() and not (folder / LOADING).exists()


def test_a_folder_that_is_not_ours_or_already_loaded_is_refused(
    tmp_path: Path, synthetic: Path
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine\n", encoding="utf-8")
    done = d4sme("load", "--store", str(foreign), str(synthetic))
    assert done.returncode == 2 and "holds no store of d4sme-kg" in done.stderr
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine\n"

    loaded = tmp_path / "loaded"
    assert d4sme("load", "--store", str(loaded), str(synthetic)).returncode == 0
    done = d4sme("load", "--store", str(loaded), str(synthetic))
    assert done.returncode == 2 and "already holds a loaded store" in done.stderr


def test_the_loaded_store_is_served_with_its_kept_counts(tmp_path: Path, synthetic: Path) -> None:
    folder = tmp_path / "store"
    assert d4sme("load", "--store", str(folder), str(synthetic)).returncode == 0
    counts = kept(folder)
    with d4sme_server(["--store", str(folder), "--no-validate", "--workers", "1"]) as base:
        health = healthz(base)
        assert health["triples"] == 20000 and health["namedGraphs"] == 3
        assert health["countedAt"] == _iso(float(counts["countedAt"]))  # type: ignore[arg-type]
        ask = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        reply = http("POST", f"{base}/sparql", ask, {"Content-Type": "application/sparql-query"})
        assert reply.json()["results"]["bindings"][0]["n"]["value"] == "20000"


def test_restart_reads_the_kept_counts_instead_of_counting(tmp_path: Path, synthetic: Path) -> None:
    folder = tmp_path / "store"
    assert d4sme("load", "--store", str(folder), str(synthetic)).returncode == 0
    # Counts no scan of this store could give: if they are served, nothing was counted.
    counted = kept(folder)
    at = 1_700_000_000.0
    (folder / COUNTS).write_text(
        json.dumps({"triples": 123456789, "graphs": counted["graphs"], "countedAt": at}),
        encoding="utf-8",
    )
    with d4sme_server(["--store", str(folder), "--no-validate", "--workers", "1"]) as base:
        health = healthz(base)
        assert health["triples"] == 123456789
        assert health["countedAt"] == _iso(at)
        assert "serving 123456789 triples" in "".join(base.log)


def test_a_store_without_kept_counts_is_counted_once_and_keeps_them(
    tmp_path: Path, synthetic: Path
) -> None:
    folder = tmp_path / "store"
    assert d4sme("load", "--store", str(folder), str(synthetic)).returncode == 0
    (folder / COUNTS).unlink()  # as a store made before the counts were kept
    with d4sme_server(["--store", str(folder), "--no-validate", "--workers", "1"]) as base:
        assert healthz(base)["triples"] == 20000
    assert kept(folder)["triples"] == 20000


def test_writes_update_the_kept_counts(tmp_path: Path, article: Path) -> None:
    folder = tmp_path / "store"
    assert d4sme("load", "--store", str(folder), str(article)).returncode == 0
    before = kept(folder)
    env = {"D4SME_KG_UPDATE_TOKEN": TOKEN}
    with d4sme_server(["--store", str(folder), "--workers", "1"], env=env) as base:
        update = (
            "INSERT DATA { GRAPH <https://w3id.org/d4sme-kg/graph/links> {"
            " <https://w3id.org/d4sme-kg/id/kakao> <http://www.w3.org/2000/01/rdf-schema#seeAlso>"
            " <https://www.kakaocorp.com/> } }"
        )
        headers = {
            "Content-Type": "application/sparql-update",
            "Authorization": f"Bearer {TOKEN}",
        }
        reply = http("POST", f"{base}/update", update, headers)
        assert reply.status in (200, 204), reply.body
        after = kept(folder)
        assert after["triples"] == int(before["triples"]) + 1  # type: ignore[call-overload]
        assert float(after["countedAt"]) > float(before["countedAt"])  # type: ignore[arg-type]
        assert healthz(base)["triples"] == after["triples"]
    # The next start reads what the write left.
    with d4sme_server(["--store", str(folder), "--no-validate", "--workers", "1"]) as base:
        assert healthz(base)["triples"] == after["triples"]


def test_serve_data_into_a_folder_validates_the_store_it_loaded(
    tmp_path: Path, article: Path, synthetic: Path
) -> None:
    # The article conforms: loaded, validated (in a process of its own), served.
    folder = tmp_path / "article"
    with d4sme_server(["--data", str(article), "--store", str(folder), "--workers", "1"]) as base:
        assert healthz(base)["triples"] == kept(folder)["triples"]
    # The synthetic data breaks the shapes: refused after the load, in one error.
    broken = tmp_path / "synthetic"
    done = d4sme("serve", "--port", "0", "--data", str(synthetic), "--store", str(broken))
    assert done.returncode == 1
    assert f"error: the store at {broken} does not conform" in done.stderr


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 quads (37 MB, past IN_MEMORY_MAX_BYTES): about 60 MB in memory."""
    path = _synthetic_quads(tmp_path_factory, 200_000)
    assert path.stat().st_size > IN_MEMORY_MAX_BYTES
    return path


def test_the_process_that_loaded_does_not_keep_the_load_in_memory(
    tmp_path: Path, big: Path
) -> None:
    folder = tmp_path / "store"
    common = ["--no-validate", "--workers", "1"]
    with d4sme_server(["--data", str(big), "--store", "memory", *common]) as base:
        time.sleep(1)
        in_memory = _rss_mb(base.pid)
    with d4sme_server(["--data", str(big), "--store", str(folder), *common]) as base:
        time.sleep(1)
        loaded = _rss_mb(base.pid)
    with d4sme_server(["--store", str(folder), *common]) as base:
        time.sleep(1)
        restarted = _rss_mb(base.pid)
    # The process that loaded is as light as one that only opened the store.
    assert loaded < restarted + 15, (loaded, restarted, in_memory)
    assert in_memory - loaded > 40, (loaded, restarted, in_memory)


def _iso(at: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(at, UTC).isoformat()


def test_auto_serves_big_files_from_a_temporary_folder_removed_at_close(
    big: Path, synthetic: Path
) -> None:
    settings = Settings(store="auto", data_files=[str(big)], validate=False, workers=1)
    service = open_service(settings)
    try:
        assert service.size() == 200000
        folder = Path(service.description.rsplit(" at ", 1)[1])
        assert folder.name.startswith("d4sme-kg-store-") and (folder / MARKER).is_file()
    finally:
        service.close()
    assert not folder.exists()
    # Small files stay in memory.
    small = open_service(Settings(store="auto", data_files=[str(synthetic)], validate=False))
    try:
        assert small.description == "in-memory pyoxigraph store" and small.size() == 20000
    finally:
        small.close()


def test_auto_removes_its_temporary_folder_when_the_start_fails(tmp_path: Path, big: Path) -> None:
    broken = tmp_path / "broken.nq"
    broken.write_bytes(big.read_bytes() + b"<http://example.org/s> .\n")
    scratch = tmp_path / "tmp"  # the server's temporary folders go here (TMPDIR)
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "d4sme_kg", "serve", "--port", "0", "--store", "auto"]
        + ["--data", str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert done.returncode == 2 and done.stderr.startswith(f"error: {broken}: ")
    assert "loaded" not in done.stderr  # it failed in the load, where a folder was made
    assert list(scratch.iterdir()) == []
