"""The watchdog and the thread's stand-in (in_place): what the in-place waits rely on."""

from __future__ import annotations

import os
import threading
import time

from d4sme_kg.in_place import WATCHDOG, Watchdog, stand_in, standing_in


class Recorder:
    """A watched wait that asks to be looked at ``rounds`` times."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self.seen: list[tuple[float, float]] = []
        self.finished = threading.Event()

    def check(self, now: float, late: float) -> bool:
        self.seen.append((now, late))
        if len(self.seen) >= self.rounds:
            self.finished.set()
            return False
        return True


class Faulty:
    def check(self, now: float, late: float) -> bool:
        raise RuntimeError("broken on purpose")


class Helper:
    def answer(self, error: Exception, *, cut: bool = False, stuck: bool = False) -> None:
        pass

    def on_stuck(self, release: object) -> None:
        pass


def test_a_watched_wait_is_checked_each_tick_until_it_is_done() -> None:
    watchdog = Watchdog(tick=0.01)
    entry = Recorder(rounds=5)
    watchdog.watch(entry)
    assert entry.finished.wait(2)
    times = [now for now, _late in entry.seen]
    assert times == sorted(times) and len(set(times)) == 5
    assert all(late >= 0 for _now, late in entry.seen)
    time.sleep(0.05)
    assert len(entry.seen) == 5  # dropped once it said so


def test_an_unwatched_wait_is_no_longer_checked() -> None:
    watchdog = Watchdog(tick=0.01)
    entry = Recorder(rounds=1000)
    watchdog.watch(entry)
    time.sleep(0.05)
    watchdog.unwatch(entry)
    time.sleep(0.03)  # a tick in progress may still see it once
    counted = len(entry.seen)
    time.sleep(0.1)
    assert 0 < counted == len(entry.seen)


def test_a_faulty_wait_is_dropped_and_the_others_are_still_watched() -> None:
    watchdog = Watchdog(tick=0.01)
    watchdog.watch(Faulty())
    entry = Recorder(rounds=3)
    watchdog.watch(entry)
    assert entry.finished.wait(2)


def test_a_forked_child_watches_with_a_watchdog_of_its_own() -> None:
    WATCHDOG.watch(Recorder(rounds=1))  # the parent's thread runs
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        entry = Recorder(rounds=3)
        WATCHDOG.watch(entry)
        os.write(write, b"1" if entry.finished.wait(2) else b"0")
        os._exit(0)
    os.close(write)
    try:
        assert os.read(read, 1) == b"1"
    finally:
        os.close(read)
        os.waitpid(child, 0)


def test_a_thread_has_a_stand_in_only_within_the_block() -> None:
    helper = Helper()
    assert stand_in() is None
    with standing_in(helper):
        assert stand_in() is helper
        seen: list[object] = []
        other = threading.Thread(target=lambda: seen.append(stand_in()))
        other.start()
        other.join()
        assert seen == [None]  # another thread's request is not this one
    assert stand_in() is None
