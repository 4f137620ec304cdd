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

from d4sme_kg.logs import FORMAT, BatchedStreamHandler, batched_handler, printable

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
    handler.close()


class CountingStream(io.StringIO):
    """A text stream that also counts the calls to write()."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def written(stream: io.StringIO, count: int, within: float = 5.0) -> list[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = stream.getvalue().splitlines()
        if len(lines) >= count:
            return lines
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_lines_are_gathered_then_written_in_one_batch() -> None:
    stream = CountingStream()
    handler = BatchedStreamHandler(stream, delay=60)
    for number in range(3):
        handler.add_line("d4sme_kg.access", f"GET /{number} 200 0.{number}ms")
    assert stream.getvalue() == ""  # the writer waits 60 s: nothing is written yet
    handler.flush()
    assert stream.writes == 1
    lines = stream.getvalue().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"d4sme_kg.access GET /{number} 200 0.{number}ms" for number in range(3)
    ]
    assert all(re.match(STAMP + " ", line) for line in lines)
    handler.close()


def test_the_writer_writes_them_shortly_after(access) -> None:  # type: ignore[no-untyped-def]
    logger, handler, stream = access
    handler.add_line(logger.name, "GET / 200 0.1ms")
    logger.info("%s", "POST /sparql 200 0.2ms")
    lines = written(stream, 2)
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"{logger.name} GET / 200 0.1ms",
        f"{logger.name} POST /sparql 200 0.2ms",
    ]


def test_a_line_without_a_record_is_the_formatters_line(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    record = logging.LogRecord(
        "d4sme_kg.access", logging.INFO, "", 0, "GET / 200 1.5ms", None, None
    )
    for created in (record.created, 1_700_000_000.0, 1_700_000_000.999, 1_700_000_059.0625):
        record.created = created
        record.msecs = int((created - int(created)) * 1000) + 0.0
        monkeypatch.setattr("d4sme_kg.logs.time.time", lambda created=created: created)
        handler = BatchedStreamHandler(io.StringIO(), delay=60)
        expected = logging.Formatter(FORMAT).format(record)
        assert handler._stamped("d4sme_kg.access", "GET / 200 1.5ms") == expected


def test_large_batches_go_out_in_writes_a_pipe_keeps_whole() -> None:
    stream = CountingStream()
    handler = BatchedStreamHandler(stream, delay=60)
    for number in range(400):
        handler.add_line("d4sme_kg.access", f"GET /{number} 200 0.1ms")
    handler.flush()
    assert stream.writes > 1
    text = stream.getvalue()
    assert len(text.splitlines()) == 400 and text.endswith("\n")
    handler.close()


def test_a_blocked_or_broken_stream_costs_lines_not_memory_or_the_writer() -> None:
    class Broken(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    handler = BatchedStreamHandler(Broken(), delay=60, max_lines=5)
    for number in range(8):
        handler.add_line("x", f"line {number}")
    assert len(handler._lines) == 5  # three dropped, counted
    handler.flush()  # the write fails: those five are counted as dropped too
    handler.stream = CountingStream()
    handler.add_line("x", "after")
    handler.flush()
    lines = handler.stream.getvalue().splitlines()
    assert lines[0].endswith("x after")
    assert "8 lines were dropped" in lines[1]
    handler.close()


def test_flush_writes_what_is_gathered_at_once() -> None:
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, delay=60)
    handler.add_line("x", "one")
    handler.add_line("x", "two")
    handler.flush()
    assert [line.split(" ", 2)[2] for line in stream.getvalue().splitlines()] == ["x one", "x two"]
    handler.close()


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
    handler.close()
    lines = [line.split(" ", 2)[2] for line in (tmp_path / "log").read_text().splitlines()]
    assert sorted(lines) == sorted(["x parent", f"x child {child.pid}"])  # each once


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
            logged = [m[1] for entry in list(base.log) if (m := line.match(entry.rstrip()))]
            if wanted <= set(logged):
                break
            time.sleep(0.05)
        assert sorted(entry for entry in logged if entry in wanted) == sorted(wanted)  # once each


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_a_stopping_server_writes_the_lines_it_gathered(server: str) -> None:
    from .servers import d4sme_server, http

    with d4sme_server(["--server", server]) as base:
        assert http("GET", f"{base}/sparql?query=ASK%7B%7D").status == 200
    # Stopped at once on leaving the block: the line was still gathered, not written.
    assert re.search(STAMP + r" d4sme_kg\.access GET /sparql 200 ", "".join(base.log))


def test_printable_keeps_a_field_on_one_line() -> None:
    assert printable("/id/카카오 a b") == "/id/카카오 a b"  # what is printable stays as it is
    assert printable("/a\r\nGET /forged 200") == "/a\\x0d\\x0aGET /forged 200"
    assert printable("\x00\t\x1b\x7f\x85\x9f") == "\\x00\\x09\\x1b\\x7f\\x85\\x9f"
    assert printable("a\u2028b\u2029c") == "a\\u2028b\\u2029c"
    assert printable("a\u00a0b") == "a\u00a0b"  # not printable for Python, but one line
    every = "".join(map(chr, range(0x3000)))
    assert len(printable(every).splitlines()) == 1


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_a_cr_lf_in_the_path_is_logged_on_one_line(server: str) -> None:
    from .servers import d4sme_server, http

    with d4sme_server(["--server", server, "--workers", "2"]) as base:
        forged = "/nowhere%0D%0AGET%20/forged%20200%200.1ms%E2%80%A8x"
        assert http("GET", base + forged).status == 404
        wanted = re.compile(
            STAMP + r" d4sme_kg\.access GET /nowhere\\x0d\\x0aGET /forged 200 0\.1ms"
            r"\\u2028x 404 \d+\.\dms$"
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(wanted.match(entry.rstrip("\n")) for entry in list(base.log)):
                break
            time.sleep(0.05)
        logged = "".join(base.log)
        assert any(wanted.match(entry.rstrip("\n")) for entry in base.log), logged
        assert not any(entry.startswith("GET /forged") for entry in base.log)
