"""The rules for a body read in place, as the watchdog applies them (body_waits.BodyWatch).

Each check is given its moment, so the rules are tested at exact times, with no thread:
a real BodyReader (its slots) and a stand-in that records what it is asked to answer.
"""

from __future__ import annotations

import time

from d4sme_kg.errors import BodyTimeout, TooManyBodies
from d4sme_kg.web.bodies import BodyReader
from d4sme_kg.web.body_waits import BLOCKED, SLOW, STARVED, BodyWatch, Progress


class RecordingStandIn:
    def __init__(self) -> None:
        self.answers: list[tuple[Exception, bool]] = []

    def answer(self, error: Exception, *, cut: bool = False, stuck: bool = False) -> None:
        self.answers.append((error, cut))

    def on_stuck(self, release: object) -> None:
        pass


def watched(
    reader: BodyReader, expected: int = 100
) -> tuple[BodyWatch, Progress, RecordingStandIn, float]:
    progress, helper = Progress(), RecordingStandIn()
    began = time.monotonic()
    return BodyWatch(reader, expected, progress, helper), progress, helper, began


def reader(slots: int = 1, idle: float = 10.0) -> BodyReader:
    made = BodyReader(limit=1 << 20, idle_seconds=idle, slots=slots)
    made._in_this_process()
    return made


def test_a_body_on_its_way_needs_no_slot() -> None:
    body_reader = reader(slots=1)
    watch, progress, helper, began = watched(body_reader)
    progress.waiting_since = began
    assert watch.check(began + BLOCKED / 2, late=0.0)
    assert body_reader.take_slot()  # the one slot is still free
    assert helper.answers == []


def test_a_blocked_read_takes_a_slot_and_the_next_is_refused_after_its_grace() -> None:
    body_reader = reader(slots=1)
    first, first_progress, first_helper, began = watched(body_reader)
    first_progress.waiting_since = began
    assert first.check(began + BLOCKED + 0.01, late=0.0)  # slow: takes the slot
    second, second_progress, second_helper, began = watched(body_reader)
    second_progress.waiting_since = began
    slow = began + BLOCKED + 0.01
    assert second.check(slow, late=0.0)  # no slot: waits its grace
    assert second.check(slow + BLOCKED - 0.01, late=0.0)
    assert not second.check(slow + BLOCKED, late=0.0)  # refused, and no longer watched
    [(error, cut)] = second_helper.answers
    assert isinstance(error, TooManyBodies) and cut
    assert second.finish()  # its thread learns it was answered
    assert first_helper.answers == []
    assert not first.finish()  # the slot goes back
    assert body_reader.take_slot()


def test_time_lost_to_a_starved_machine_is_forgiven_up_to_a_bound() -> None:
    body_reader = reader(slots=1)
    watch, progress, _helper, began = watched(body_reader)
    progress.waiting_since = began
    # The watchdog itself woke 1 s late: a read blocked 1 s is not slow for that.
    assert watch.check(began + 1.0, late=1.0)
    assert body_reader.take_slot()
    body_reader.give_slot()
    # Past what it may forgive, it is.
    watch.check(began + BLOCKED + STARVED + 0.5, late=10.0)
    assert not body_reader.take_slot()


def test_a_slow_body_that_stops_is_timed_out_and_progress_restarts_the_clock() -> None:
    body_reader = reader(slots=1, idle=1.0)
    watch, progress, helper, began = watched(body_reader, expected=64 * 1024)
    assert watch.check(began + SLOW + 0.01, late=0.0)  # not in after SLOW: a slot
    progress.received = 1000
    assert watch.check(began + SLOW + 0.9, late=0.0)  # progress seen
    assert watch.check(began + SLOW + 1.8, late=0.0)  # within 1 s of that progress
    assert not watch.check(began + SLOW + 2.0, late=0.0)
    [(error, cut)] = helper.answers
    assert isinstance(error, BodyTimeout) and error.http_status == 408 and cut
    assert "1000 of 65536 bytes" in str(error)
    assert watch.finish()
    assert body_reader.take_slot()  # given back when the read ended


def test_a_read_that_ended_is_never_answered_for() -> None:
    body_reader = reader(slots=0)
    watch, progress, helper, began = watched(body_reader)
    progress.waiting_since = began
    assert not watch.finish()
    assert not watch.check(began + 100, late=0.0)
    assert helper.answers == []
