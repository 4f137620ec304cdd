from pathlib import Path

import pytest

from d4sme_kg.errors import ProjectError
from d4sme_kg.project import BASE_ENV, ROOT_ENV, Project, embedded_root

from .conftest import REPO


def test_embedded_root_is_found_from_the_package() -> None:
    root = embedded_root()
    assert (root / "ontology").is_dir()
    assert (root / "data" / "source" / "article.ko.txt").is_file()


def test_parts_list_their_files(project: Project) -> None:
    assert project.files("shapes"), "the shapes are found"
    assert all(p.name.startswith("shapes") for p in project.files("shapes"))
    assert not any(p.name.startswith("shapes") for p in project.files("ontology"))
    links = project.files("links")
    assert {p.name for p in links} >= {"wikidata.ttl", "oecd.ttl"}
    assert not set(links) & set(project.files("data"))


def test_root_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ROOT_ENV, str(REPO))
    assert Project.from_root().root == REPO


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="does not exist"):
        Project.from_root(tmp_path / "nowhere")
    (tmp_path / "ontology").mkdir()
    with pytest.raises(ProjectError, match="missing folder"):
        Project.from_root(tmp_path)


def test_base_iri_must_be_absolute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_ENV, "not-an-iri")
    with pytest.raises(ProjectError, match="base IRI"):
        Project.from_root(REPO)
    assert Project.from_root(REPO, "http://example.org/kg/").base == "http://example.org/kg/"
