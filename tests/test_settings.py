"""Settings: from a mapping, from the D4SME_KG_* environment (text read as each field's
type), and the update token from the environment or a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from d4sme_kg.errors import KGError
from d4sme_kg.settings import TOKEN_ENV, TOKEN_FILE_ENV, Settings, read_token


@pytest.fixture(autouse=True)
def _no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    monkeypatch.delenv(TOKEN_FILE_ENV, raising=False)


def test_settings_come_from_the_mapping_with_defaults() -> None:
    settings = Settings.from_mapping(
        {"TIMEOUT": 2.5, "FEDERATE": ["http://x/sparql"], "UNRELATED": 1}
    )
    assert settings.timeout == 2.5
    assert settings.federate == ["http://x/sparql"]
    assert settings.store == "memory" and settings.validate is True


def test_text_from_the_environment_is_read_as_each_fields_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("D4SME_KG_MAX_ROWS", "50")
    monkeypatch.setenv("D4SME_KG_TIMEOUT", "2.5")
    monkeypatch.setenv("D4SME_KG_VALIDATE", "off")
    monkeypatch.setenv("D4SME_KG_FEDERATE", "http://a/sparql, http://b/sparql")
    settings = Settings.from_environment()
    assert settings.max_rows == 50
    assert settings.timeout == 2.5
    assert settings.validate is False
    assert settings.federate == ["http://a/sparql", "http://b/sparql"]
    # A JSON list is read as one too.
    monkeypatch.setenv("D4SME_KG_FEDERATE", '["http://c/sparql"]')
    assert Settings.from_environment().federate == ["http://c/sparql"]


def test_options_win_over_config_which_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("D4SME_KG_MAX_ROWS", "50")
    assert Settings.from_environment({"MAX_ROWS": 60}).max_rows == 60
    assert Settings.from_environment({"MAX_ROWS": 60}, max_rows=70).max_rows == 70


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("D4SME_KG_MAX_ROWS", "many", "D4SME_KG_MAX_ROWS: 'many' is not int"),
        ("D4SME_KG_TIMEOUT", "soon", "D4SME_KG_TIMEOUT: 'soon' is not float"),
        ("D4SME_KG_VALIDATE", "perhaps", "D4SME_KG_VALIDATE: 'perhaps' is not bool"),
    ],
)
def test_a_setting_that_is_not_its_type_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(KGError) as raised:
        Settings.from_environment()
    assert str(raised.value) == says


def test_a_token_stays_text_whatever_it_looks_like(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "12345")
    assert Settings.from_environment().update_token == "12345"
    assert Settings.from_mapping({"UPDATE_TOKEN": "true"}).update_token == "true"


def test_an_empty_token_is_refused_not_read_as_no_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "  ")
    with pytest.raises(KGError, match="is set but empty"):
        read_token()
    with pytest.raises(KGError, match="is set but empty"):
        Settings.from_mapping({"UPDATE_TOKEN": ""})


def test_token_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv(TOKEN_FILE_ENV, str(token))
    assert Settings.from_mapping({}).update_token == "s3cret"


def test_an_empty_or_missing_token_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    monkeypatch.setenv(TOKEN_FILE_ENV, str(empty))
    with pytest.raises(KGError, match="the update token file is empty"):
        read_token()
    monkeypatch.setenv(TOKEN_FILE_ENV, str(tmp_path / "absent"))
    with pytest.raises(KGError, match="cannot read the update token"):
        read_token()


def test_no_token_anywhere_means_read_only() -> None:
    assert read_token() is None
    assert Settings.from_mapping({}).update_token is None
