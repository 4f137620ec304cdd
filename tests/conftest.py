"""Shared fixtures: the real project, loaded once, and copies of it to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from d4sme_kg.loading import KnowledgeGraph, load_project
from d4sme_kg.project import Project

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.from_root(REPO)


@pytest.fixture(scope="session")
def kg(project: Project) -> KnowledgeGraph:
    """The embedded project, loaded once; tests treat it as read-only."""
    return load_project(project)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[], Path]:
    """A function that copies the project's folders under tmp_path, to be changed by a test."""

    def make() -> Path:
        root = tmp_path / "project"
        for folder in ("ontology", "data", "queries"):
            shutil.copytree(REPO / folder, root / folder)
        return root

    return make
