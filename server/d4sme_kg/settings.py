"""What an operator can set: the CLI's options, the ``D4SME_KG_*`` environment and
``create_app``'s config, read into one frozen :class:`Settings`, and the update token.

The text of the environment is read as each field's type here, once, so that the service
and the web layer never parse a setting themselves.
"""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from d4sme_kg.errors import KGError
from d4sme_kg.sparql import MAX_NESTING

#: Environment variables that set a field of :class:`Settings` (D4SME_KG_MAX_ROWS, …).
ENV_PREFIX = "D4SME_KG_"
TOKEN_ENV = "D4SME_KG_UPDATE_TOKEN"
TOKEN_FILE_ENV = "D4SME_KG_UPDATE_TOKEN_FILE"


@dataclass(frozen=True)
class Settings:
    """What an operator can set (CLI options, D4SME_KG_* environment, create_app config).

    Built once and never changed: the service and the web layer read the same object.
    """

    root: str | None = None
    base_iri: str | None = None
    store: str = "memory"
    data_files: list[str] = field(default_factory=list)
    workers: int = 2
    #: "pool": queries run in evaluator processes (works under any WSGI server);
    #: "inline": in the web process, which is retired after a runaway query (only under
    #: ``d4sme-kg serve``, whose server replaces it; read-only stores only).
    engine: str = "pool"
    #: The pre-fork server ("granian" or "gunicorn") whose workers are forked after
    #: start-up: each starts its own evaluators (Backend.start), none run in the main
    #: process. Empty when the app is not served by ``d4sme-kg serve``.
    server: str = ""
    timeout: float = 10.0
    federate: list[str] = field(default_factory=list)
    validate: bool = True
    update_token: str | None = None
    max_query_length: int = 100_000
    max_body_bytes: int = 10 * 1024 * 1024
    #: A request body must show progress this often (and keep a minimum rate).
    body_seconds: float = 10.0
    #: Request bodies read at once per web process; one more gets 503 at once.
    body_slots: int = 4
    #: Requests that run the app at once per web process, once their body is in (0: no
    #: bound; ``serve`` sets its threads per worker).
    request_threads: int = 0
    max_rows: int = 100_000
    #: The deepest nesting a query or update may have (see sparql.MAX_NESTING); raising
    #: it past what the engine's stack survives lets one query end a worker.
    max_nesting: int = MAX_NESTING

    @classmethod
    def from_environment(cls, config: Mapping[str, Any] | None = None, **options: Any) -> Settings:
        """Settings from the ``D4SME_KG_*`` environment, then ``config`` (upper-case names,
        as in a Flask config), then ``options`` (the fields' own names) over them."""
        found = {
            name[len(ENV_PREFIX) :]: value
            for name, value in os.environ.items()
            if name.startswith(ENV_PREFIX)
        }
        chosen = {name.upper(): value for name, value in options.items()}
        return cls.from_mapping({**found, **(config or {}), **chosen})

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Settings:
        """Settings from ``config``; text values (the environment's) read as their type.

        Only text is parsed: an update token of ``12345`` or ``true`` stays that text.
        """
        kinds = typing.get_type_hints(cls)
        names = {f.upper(): f for f in cls.__dataclass_fields__}
        values = {
            names[key]: _typed(key, value, kinds[names[key]])
            for key, value in config.items()
            if key in names
        }
        token = values.get("update_token")
        if token is None:
            values["update_token"] = read_token()
        elif not token.strip():
            raise KGError(_EMPTY_TOKEN)
        return cls(**values)


_EMPTY_TOKEN = (
    f"{TOKEN_ENV} is set but empty: unset it to serve read-only, or set it to the token "
    "that writes must carry"
)


def _typed(key: str, value: Any, kind: Any) -> Any:
    """``value`` as ``kind`` when it is text that stands for another type."""
    if not isinstance(value, str) or kind in (str, str | None):
        return value
    try:
        if kind is bool:
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError(value)
            return lowered in ("true", "1", "yes", "on")
        if kind in (int, float):
            return kind(value)
        if kind == list[str]:
            parsed = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
            return [str(item).strip() for item in parsed if str(item).strip()]
    except ValueError:
        name = kind.__name__ if isinstance(kind, type) else "a list"
        raise KGError(f"D4SME_KG_{key}: {value!r} is not {name}") from None
    return value


def read_token() -> str | None:
    """The update token from the environment or from a token file (first line).

    A token that is set but empty is refused: it would turn writes off without a word.
    """
    token = os.environ.get(TOKEN_ENV)
    file_name = os.environ.get(TOKEN_FILE_ENV)
    if token is not None and not token.strip():
        raise KGError(_EMPTY_TOKEN)
    if not token and file_name:
        try:
            token = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise KGError(f"{file_name}: cannot read the update token: {error.strerror}") from None
        if not token:
            raise KGError(f"{file_name}: the update token file is empty")
    return token or None
