"""A careful SPARQL client for public endpoints: cache, retries, back-off, User-Agent.

Wikidata's query service asks clients to identify themselves, to back off when told
(429 with Retry-After) and to batch their work; answers are cached on disk, keyed by
endpoint and query text, so that a rerun needs no network and gives the same result.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Any

from d4sme_kg import __version__
from d4sme_kg.errors import KGError

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
USER_AGENT = (
    f"d4sme-kg-linker/{__version__} (https://w3id.org/d4sme-kg/; knowledge-graph "
    f"entity linking; SPARQLWrapper)"
)
RETRY_STATUSES = {429, 500, 502, 503, 504}

Row = dict[str, dict[str, str]]


class EndpointError(KGError):
    """The endpoint could not answer (after the retries)."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "d4sme-kg" / "sparql"


class SparqlClient:
    """SELECT queries against one endpoint, answered from the cache when possible."""

    def __init__(
        self,
        endpoint: str = WIKIDATA_ENDPOINT,
        cache_dir: Path | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.requests = 0  # requests actually sent, for the summary and the tests
        self.cache_hits = 0

    def select(self, text: str) -> list[Row]:
        """The bindings of a SELECT query (SPARQL 1.1 JSON results)."""
        cached = self._cache_path(text)
        if cached is not None and cached.is_file():
            self.cache_hits += 1
            document = json.loads(cached.read_text(encoding="utf-8"))["answer"]
        else:
            document = self._ask(text)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                payload = {"endpoint": self.endpoint, "query": text, "answer": document}
                temporary = cached.with_suffix(".tmp")
                temporary.write_text(
                    json.dumps(payload, ensure_ascii=False, sort_keys=True), encoding="utf-8"
                )
                temporary.replace(cached)  # atomic: an interrupted run leaves no half file
        rows: list[Row] = document.get("results", {}).get("bindings", [])
        return rows

    def _cache_path(self, text: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\n{text}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _ask(self, text: str) -> dict[str, Any]:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

        attempt = 0
        while True:
            client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
            client.setMethod(POST)
            client.setReturnFormat(JSON)
            client.setTimeout(max(1, int(round(self.timeout))))
            client.setQuery(text)
            wait: float | None = None
            problem = ""
            try:
                self.requests += 1
                answer = client.queryAndConvert()
                if not isinstance(answer, dict):
                    raise EndpointError(f"{self.endpoint} did not answer SPARQL JSON results")
                return answer
            except urllib.error.HTTPError as error:
                problem = f"HTTP {error.code}"
                if error.code in RETRY_STATUSES:
                    wait = retry_after(error.headers.get("Retry-After"))
                    wait = wait if wait is not None else self._backoff(attempt)
                error.close()
                if wait is None:
                    raise EndpointError(f"{self.endpoint} answered {problem}") from None
            except EndPointInternalError as error:
                problem, wait = f"HTTP 500: {str(error)[:200]}", self._backoff(attempt)
            except SPARQLWrapperException as error:
                raise EndpointError(f"{self.endpoint}: {str(error)[:300]}") from None
            except TimeoutError:
                problem, wait = "timed out", self._backoff(attempt)
            except (urllib.error.URLError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise EndpointError(f"{self.endpoint} cannot be reached: {reason}") from None
            attempt += 1
            if attempt > self.retries:
                raise EndpointError(f"{self.endpoint}: {problem} after {self.retries} retries")
            self.sleep(min(wait, self.max_wait))

    def _backoff(self, attempt: int) -> float:
        return float(self.backoff * (2**attempt))


def retry_after(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
