"""This process's id without a system call, right in a forked child (process_id)."""

from __future__ import annotations

import os

from d4sme_kg import process_id


def test_the_id_is_this_process() -> None:
    assert process_id.current() == os.getpid()


def test_a_forked_child_knows_its_own_id() -> None:
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writing, f"{process_id.current()} {os.getpid()}".encode())
        os._exit(0)
    os.close(writing)
    try:
        told = os.read(reading, 100).decode().split()
    finally:
        os.close(reading)
        os.waitpid(child, 0)
    assert told[0] == told[1] == str(child)
    assert process_id.current() == os.getpid() != child
