"""Section ``kill``: kill -9 of the whole on-disk server, of web workers, of evaluators.

1. The on-disk server with writes on, under four concurrent writers, is killed -9 as a
   whole (its process group) at a random moment, then restarted on the same ``--store``
   folder, again and again. Each write adds its own marker (writes.py); every fourth is
   one the shapes refuse. After every restart: each acknowledged write (200) is there,
   each refused one (422) is not; a write that got no answer (it was in flight at the
   kill) may be either.
2. Read-only, under eight query clients, one web worker (a child of the main process)
   at a time is killed -9: the server must keep answering, and fork a new one.
3. With writes on, under queries and writes, one evaluator process (a child of the web
   worker) at a time is killed -9: the server must keep answering, and no acknowledged
   write may be lost. A query in flight on the evaluator killed gets 500 "crashed"
   (the server cannot tell a kill from a query that crashes the engine): at most one
   per kill is allowed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from .client import Client, once
from .harness import Check, Options, Server, alive_and_healthy, failing
from .load import NORMAL
from .writes import add_label, markers

#: What became of each write: marker -> "acknowledged", "refused", "unknown" or "wrong".
Outcomes = dict[str, str]


def run(options: Options) -> list[Check]:
    return [_whole_server(options), _web_workers(options), _evaluators(options)]


def _writer(
    server: Server, name: str, offset: int, outcomes: Outcomes, stop: threading.Event
) -> None:
    """Writes until ``stop``; every fourth (counting from ``offset``) one to be refused."""
    number = 0
    while not stop.is_set():
        marker = f"{name}-{number}"
        valid = (number + offset) % 4 != 3
        answer = add_label(once(server.port, 30), marker, valid)
        if answer.status is None and "Refused" in answer.error:
            time.sleep(0.2)  # never reached the server (it is down): not a write at all
            continue
        if answer.status == 200:
            outcomes[marker] = "acknowledged" if valid else "wrong: a refusable write accepted"
        elif answer.status == 422:
            outcomes[marker] = "refused" if not valid else "wrong: a valid write refused"
        elif answer.status is None:
            outcomes[marker] = "unknown"  # in flight when the server was killed
        else:
            outcomes[marker] = f"wrong: answered {answer.describe()}"
        number += 1


def _verify(server: Server, prefix: str, outcomes: Outcomes) -> list[str]:
    """What the store holds against what each write was told; problems found."""
    problems = [f"{m}: {what}" for m, what in outcomes.items() if what.startswith("wrong")]
    # Several times: with writes on, each evaluator holds its own copy of the data.
    for number in range(4):
        found = markers(once(server.port, 30), prefix, f"verify {number}")
        if found is None:
            return [*problems, "the store could not be read back"]
        lost = [m for m, what in outcomes.items() if what == "acknowledged" and m not in found]
        ghosts = [m for m, what in outcomes.items() if what == "refused" and m in found]
        problems += [f"acknowledged, then lost: {m}" for m in lost]
        problems += [f"refused, then present: {m}" for m in ghosts]
        if lost or ghosts:
            break
    return problems


def _whole_server(options: Options) -> Check:
    rng = random.Random(options.seed)
    kills = options.pick(10, 3)
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="d4sme-reliability-store-"))
    outcomes: Outcomes = {}
    problems: list[str] = []
    server = Server(["--workers", "1", "--store", str(folder / "store")], writes=True)
    try:
        for cycle in range(kills + 1):
            server.start()
            problems += _verify(server, "kill-", outcomes)
            if cycle == kills:
                # The kills of the whole group may show as workers' deaths in the log.
                healthy, why = alive_and_healthy(server, deaths=False)
                problems += [] if healthy else [why]
                break
            stop = threading.Event()
            writers = [
                # Offsets 3, 2, 1, 0: the first writer starts with one to be refused, so
                # that each short cycle is likely to see a refusal answered.
                threading.Thread(
                    target=_writer, args=(server, f"kill-{cycle}-{w}", 3 - w, outcomes, stop)
                )
                for w in range(4)
            ]
            for writer in writers:
                writer.start()
            time.sleep(rng.uniform(1.5, 3.5) if not options.quick else rng.uniform(2.0, 3.0))
            server.kill()
            stop.set()
            for writer in writers:
                writer.join()
    except RuntimeError as error:  # the server did not come back
        problems.append(str(error))
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
    counts = {what: list(outcomes.values()).count(what) for what in set(outcomes.values())}
    return Check(
        "kill",
        f"on disk, writes on: kill -9 of the whole server during 4 concurrent writers "
        f"(every 4th write refusable), {kills} times, restarted on the same --store",
        f"{len(outcomes)} writes: {counts.get('acknowledged', 0)} acknowledged, all present; "
        f"{counts.get('refused', 0)} refused, all absent; {counts.get('unknown', 0)} in flight "
        f"at a kill"
        if not problems
        else f"{len(outcomes)} writes: {counts}",
        not problems,
        # Each restart checks every write so far: a problem may be found more than once.
        failing(dict.fromkeys(problems)),
        time.monotonic() - began,
    )


#: A query's answer: when it came, its status, and its problem type or error.
Seen = tuple[float, int | None, str]


def _query_load(server: Server, stop: threading.Event, answers: list[Seen]) -> None:
    client = Client(server.port, timeout=30)
    number = 0
    while not stop.is_set():
        answer = client.query_get(f"{NORMAL[number % len(NORMAL)]} # {number}")
        answers.append((time.monotonic(), answer.status, answer.problem_type or answer.error))
        if answer.retried:
            answers.append((time.monotonic(), -1, "re-sent"))
        number += 1
    client.close()


def _kill_children(
    server: Server, parent: int, expected: int, options: Options, rng: random.Random
) -> list[str]:
    """kill -9 one child of ``parent`` at a time; each must be replaced within 15 s."""
    problems = []
    for _ in range(options.pick(10, 3)):
        time.sleep(rng.uniform(1.0, 2.0) if not options.quick else rng.uniform(0.5, 1.0))
        children = server.children(parent)
        if not children:
            problems.append(f"pid {parent} has no child to kill")
            break
        victim = rng.choice(sorted(children))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            now = set(server.children(parent))
            if victim not in now and len(now) >= expected:
                break
            time.sleep(0.1)
        else:
            problems.append(f"pid {victim} was not replaced within 15 s: {server.log_tail(5)}")
    return problems


def _web_workers(options: Options) -> Check:
    rng = random.Random(options.seed)
    kills = options.pick(10, 3)
    began = time.monotonic()
    with Server(["--workers", "2"]) as server:
        stop = threading.Event()
        answers: list[Seen] = []
        clients = [
            threading.Thread(target=_query_load, args=(server, stop, answers)) for _ in range(8)
        ]
        for client in clients:
            client.start()
        problems = _kill_children(server, server.pid, 2, options, rng)
        time.sleep(1.0)  # the load goes on a moment after the last kill
        settled = time.monotonic()
        time.sleep(1.0)
        stop.set()
        for client in clients:
            client.join()
        # Its web workers died, killed here: that is not what is checked.
        healthy, why = alive_and_healthy(server, deaths=False)
    problems += [] if healthy else [why]
    resent = [a for a in answers if a[1] == -1]
    answers = [a for a in answers if a[1] != -1]
    failed = [a for a in answers if a[1] != 200]
    problems += [f"after the kills: {a[1]} {a[2]}" for a in failed if a[0] > settled]
    problems += [f"not a dropped connection: {a[1]} {a[2]}" for a in failed if a[1] is not None]
    if len(failed) > 8 * kills:
        problems.append(f"{len(failed)} requests failed: more than 8 clients x {kills} kills")
    return Check(
        "kill",
        f"read-only: kill -9 of one web worker at a time, {kills} times, under 8 query clients",
        f"{len(answers):,} queries, {len(failed)} dropped by a kill, {len(resent)} re-sent "
        "after their kept-alive connection died with its worker; each worker replaced",
        not problems,
        failing(problems),
        time.monotonic() - began,
    )


def _evaluators(options: Options) -> Check:
    rng = random.Random(options.seed)
    kills = options.pick(10, 3)
    began = time.monotonic()
    outcomes: Outcomes = {}
    with Server(["--workers", "2"], writes=True) as server:
        (web,) = server.children()
        stop = threading.Event()
        answers: list[Seen] = []
        threads = [
            threading.Thread(target=_query_load, args=(server, stop, answers)) for _ in range(4)
        ]
        threads += [
            threading.Thread(target=_writer, args=(server, f"evaluator-{w}", w + 2, outcomes, stop))
            for w in range(2)
        ]
        for thread in threads:
            thread.start()
        problems = _kill_children(server, web, 2, options, rng)
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join()
        problems += _verify(server, "evaluator-", outcomes)
        healthy, why = alive_and_healthy(server)
    problems += [] if healthy else [why]
    answers = [a for a in answers if a[1] != -1]
    failed = [a for a in answers if a[1] != 200]
    crashed = [a for a in failed if a[1] == 500 and a[2] == "crashed"]
    problems += [f"a query got {a[1]} {a[2]}" for a in failed if a not in crashed]
    if len(crashed) > kills:
        problems.append(f"{len(crashed)} queries answered 'crashed' for {kills} kills")
    acknowledged = list(outcomes.values()).count("acknowledged")
    return Check(
        "kill",
        f"writes on: kill -9 of one evaluator process at a time, {kills} times, under 4 query "
        "clients and 2 writers",
        f"{len(answers):,} queries ({len(crashed)} in flight on a killed evaluator: 500); "
        f"{len(outcomes)} writes, {acknowledged} acknowledged"
        + (", none lost" if not problems else ""),
        not problems,
        failing(problems),
        time.monotonic() - began,
    )
