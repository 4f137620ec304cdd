"""The serve logs: access lines gathered and written in batches, formatted as logging would."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from d4sme_kg.logs import FORMAT, BatchedStreamHandler, batched_handler

STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


@pytest.fixture
def access() -> Iterator[tuple[logging.Logger, BatchedStreamHandler, io.StringIO]]:
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, delay=0.05)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("d4sme_kg.test-access")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, handler, stream
    logger.removeHandler(handler)
    logger.propagate = True


def written(stream: io.StringIO, count: int, within: float = 5.0) -> list[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = stream.getvalue().splitlines()
        if len(lines) >= count:
            return lines
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_lines_are_written_shortly_after_in_one_batch(access) -> None:  # type: ignore[no-untyped-def]
    logger, handler, stream = access
    for number in range(3):
        handler.add_line(logger.name, f"GET /{number} 200 0.{number}ms")
    assert stream.getvalue() == ""  # gathered, not written yet
    lines = written(stream, 3)
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"d4sme_kg.test-access GET /{number} 200 0.{number}ms" for number in range(3)
    ]
    assert all(re.match(STAMP + " ", line) for line in lines)


def test_a_line_without_a_record_reads_as_the_formatter_writes_it(access) -> None:  # type: ignore[no-untyped-def]
    logger, handler, stream = access
    logger.info("%s %s %s %.1fms", "POST", "/sparql", "200", 1.25)
    handler.add_line(logger.name, "POST /sparql 200 1.2ms")
    by_record, by_line = written(stream, 2)
    assert by_record.split(" ", 2)[2] == by_line.split(" ", 2)[2]
    stamp = re.compile(STAMP)
    assert stamp.match(by_record) and stamp.match(by_line)
    # Made a moment apart: the same time to the second, or the next second.
    seconds = [
        time.mktime(time.strptime(s[:19], "%Y-%m-%d %H:%M:%S")) for s in (by_record, by_line)
    ]
    assert 0 <= seconds[1] - seconds[0] <= 1


def test_flush_writes_what_is_gathered_at_once() -> None:
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, delay=60)
    handler.add_line("x", "one")
    handler.add_line("x", "two")
    handler.flush()
    assert [line.split(" ", 2)[2] for line in stream.getvalue().splitlines()] == ["x one", "x two"]


def _child_logs(handler: BatchedStreamHandler) -> None:
    handler.add_line("x", f"child {os.getpid()}")
    handler.flush()


def test_a_forked_worker_writes_only_its_own_lines(tmp_path: Path) -> None:
    with (tmp_path / "log").open("w", buffering=1) as stream:
        handler = BatchedStreamHandler(stream, delay=60)
        handler.add_line("x", "parent")  # gathered in the parent, not written yet
        child = multiprocessing.get_context("fork").Process(target=_child_logs, args=(handler,))
        child.start()
        child.join(30)
        assert child.exitcode == 0
        handler.flush()
    lines = [line.split(" ", 2)[2] for line in (tmp_path / "log").read_text().splitlines()]
    assert sorted(lines) == sorted(["x parent", f"x child {child.pid}"])


def test_the_direct_path_only_when_the_batched_handler_is_all_there_is(access) -> None:  # type: ignore[no-untyped-def]
    logger, handler, _stream = access
    logger.handlers = [handler]  # pytest's own capture handlers are not ours to test
    assert batched_handler(logger) is handler
    logger.propagate = True
    assert batched_handler(logger) is None
    logger.propagate = False
    logger.addFilter(lambda record: True)
    assert batched_handler(logger) is None
    logger.filters.clear()
    other = logging.StreamHandler(io.StringIO())
    logger.addHandler(other)
    assert batched_handler(logger) is None
    logger.removeHandler(other)
    assert batched_handler(logging.getLogger("d4sme_kg.test-nothing")) is None


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_the_server_logs_one_line_per_request(server: str) -> None:
    from .servers import d4sme_server, http

    with d4sme_server(["--server", server, "--workers", "2"]) as base:
        assert http("GET", f"{base}/sparql?query=ASK%7B%7D").status == 200
        assert http("GET", f"{base}/id/{quote('카카오-없음')}").status == 404
        line = re.compile(STAMP + r" d4sme_kg\.access (GET \S+ \d{3}) \d+\.\dms$")
        wanted = {"GET /sparql 200", "GET /id/카카오-없음 404"}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            logged = {m[1] for entry in list(base.log) if (m := line.match(entry.rstrip()))}
            if wanted <= logged:
                break
            time.sleep(0.05)
        assert wanted <= logged
