"""Section ``queries``: pathological and fuzzed queries, read-only and with writes on.

Per server: every nesting construct (nested.py) at the deepest depth the server lets
through (found by bisection against the server itself: the edge is where an engine
that recurses is most at risk) and at 1,000, 10,000 and 50,000 levels, by POST and GET,
and with writes on also to /update (as the body and as a form); then the fuzzed
mutations (fuzz.py) by GET, POST and form POST, all of it shuffled together. The query
length limit is raised so that the deep texts reach the nesting check instead of
stopping at the length check.

What must hold: every request gets a complete HTTP answer; none is 5xx, except 503 for
a query stopped at its time limit (a mutation can turn a lookup into a cross join); no
body shows a traceback; at the end the server is alive and /healthz answers 200; with
writes on, a write acknowledged before it all is still there after.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable

from .client import Answer, Client, in_parallel, once
from .fuzz import corpus, mutate
from .harness import TOKEN, Check, Options, Server, alive_and_healthy, failing
from .nested import CONSTRUCTS, DEPTHS, Construct
from .writes import add_label, markers

#: Long enough for 50,000 levels of any construct (and its form encoding).
LENGTH_LIMIT = "4000000"
Job = Callable[[Client], Answer]


def run(options: Options) -> list[Check]:
    checks = []
    for writes in (False, True):
        env = {"D4SME_KG_MAX_QUERY_LENGTH": LENGTH_LIMIT}
        # A short limit: the mutations that turn into cross joins cost one second each.
        args = ["--workers", "2", "--timeout", "1"]
        with Server(args, writes=writes, env=env) as server:
            checks.append(_one_server(server, options))
    return checks


def _one_server(server: Server, options: Options) -> Check:
    mode = "writes on" if server.writes else "read-only"
    began = time.monotonic()
    probes: list[tuple[str, Answer]] = []
    canary = f"canary-{options.seed}"
    if server.writes:
        # An acknowledged write before the storm, which must still be there after it.
        probes.append(("the canary write", add_label(once(server.port), canary)))
    jobs: list[tuple[str, Job]] = []
    rng = random.Random(options.seed)
    for construct in CONSTRUCTS:
        deepest = _deepest_accepted(server, construct, probes)
        for depth in sorted({deepest, *DEPTHS}):
            ways = _ways(depth, server.writes, options.quick, rng)
            jobs += _nested_jobs(construct, depth, ways)
    nested = len(jobs) + len(probes)
    seeds = corpus()
    count = options.pick(4000, 400)
    for number in range(count):
        text = mutate(rng.choice(seeds), rng)
        jobs.append((f"mutation {number}: {text[:160]!r}…({len(text)} chars)", _send(number, text)))
    # Mixed, so that if one kind of request stalls the server, the others were still sent.
    rng.shuffle(jobs)
    seconds = options.pick(600, 150)
    # With writes on, as many clients as evaluator processes: a third request would wait
    # behind two runaway mutations and be refused as busy (503), by design.
    clients = 2 if server.writes else 4
    # No request here should take more than a few seconds to be answered: longer means
    # the server is stuck, which the quick run notices sooner.
    timeout = options.pick(30, 10)
    answers, retries = in_parallel(server.port, [job for _, job in jobs], clients, seconds, timeout)
    everything = probes + list(zip([label for label, _ in jobs], answers, strict=True))
    statuses = Counter(answer.status for _, answer in everything)
    problems = [
        f"{label}: {why}" for label, answer in everything if (why := _wrong(answer)) is not None
    ]
    healthy, why = alive_and_healthy(server)
    if not healthy:
        problems.append(why)
    if server.writes:
        # Twice per evaluator: each one holds its own copy of the data.
        for number in range(6):
            seen = markers(once(server.port, 10), canary, str(number))
            if seen != {canary}:
                what = "not answered" if seen is None else f"lost (found {sorted(seen)})"
                problems.append(f"the canary write, acknowledged before the storm: {what}")
                break
    timeouts = sum(1 for _, a in everything if a.status == 503 and a.problem_type == "timeout")
    shown = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items(), key=str))
    details = failing(problems) + ([server.notes()] if problems else [])
    return Check(
        "queries",
        f"{mode}: {nested} nested ({len(CONSTRUCTS)} constructs at the deepest allowed, "
        f"{', '.join(f'{d:,}' for d in DEPTHS)}; POST, GET"
        + (", /update (body, form)" if server.writes else "")
        + ("; all ways at 1,000, sampled past it" if options.quick else "")
        + f"), {count:,} mutations of {len(seeds)} real queries (seed {options.seed})",
        f"{len(everything):,} requests; {shown}; {timeouts} stopped at the time limit; "
        f"{retries} keep-alive retries",
        not problems,
        details,
        time.monotonic() - began,
    )


def _wrong(answer: Answer) -> str | None:
    """Why this answer breaks the rules, or None."""
    if answer.status is None:
        return answer.describe()
    if answer.traceback:
        return f"traceback in the body: {answer.describe()}"
    if answer.status >= 500 and not (answer.status == 503 and answer.problem_type == "timeout"):
        return answer.describe()
    return None


def _deepest_accepted(server: Server, construct: Construct, seen: list[tuple[str, Answer]]) -> int:
    """The deepest nesting of ``construct`` the server does not refuse as too deep."""

    def refused(depth: int) -> tuple[bool, str]:
        client = Client(server.port)
        # A short time limit: what is asked here is whether it is refused, not its answer.
        answer = client.query_post(construct.query(depth), "?timeout=0.2")
        client.close()
        seen.append((f"{construct.name} x {depth:,} (bisecting, POST)", answer))
        if answer.problem_type != "nestedtoodeeply":
            return False, ""
        return True, str(json.loads(answer.body).get("detail", ""))

    low, high = 0, 1000  # low is accepted (0: none tried yet), high is refused
    too_deep, detail = refused(high)
    if not too_deep:
        return high
    # The refusal says how deep the text went: where the limit falls, if levels grow
    # linearly with the construct's depth. Tried first; bisection if it misses.
    guesses = []
    if found := _LEVELS.search(detail):
        guess = high * int(found["limit"]) // int(found["reached"])
        guesses = [guess, guess + 1]
    while high - low > 1:
        middle = guesses.pop(0) if guesses and low < guesses[0] < high else (low + high) // 2
        if refused(middle)[0]:
            high = middle
        else:
            low = middle
    return max(low, 1)


_LEVELS = re.compile(r"limit of (?P<limit>\d+).*reaches (?P<reached>\d+)", re.DOTALL)


def _ways(depth: int, writes: bool, quick: bool, rng: random.Random) -> set[str]:
    """How a nested text of ``depth`` levels is sent: POST, GET, /update, /update form.

    The full run sends it every way. The quick run sends the others by POST only (GET
    sends the same text, and past 64 KB granian refuses it with 414 anyway), and a third
    of the costly updates (which third, the seed says): one the server accepts is
    validated under the write lock (half a second), and one of 50,000 levels is a few
    megabytes to read.
    """
    every = {"POST", "GET", "update", "form"} if writes else {"POST", "GET"}
    if not quick or depth == 1_000:
        return every
    costly = depth not in DEPTHS or depth == DEPTHS[-1]
    if writes and (not costly or rng.random() < 1 / 3):
        return {"POST", "update"}
    return {"POST"}


def _nested_jobs(construct: Construct, depth: int, ways: set[str]) -> list[tuple[str, Job]]:
    # The server's own time limit (1 s), not a shorter one: a text that crashes the engine
    # while it is read must crash it before the limit answers for it (after the answer,
    # the crash would end a worker about to be replaced anyway, or not happen at all).
    label = f"{construct.name} x {depth:,}"
    query = construct.query(depth)
    update = construct.update(depth)
    every: dict[str, tuple[str, Job]] = {
        "POST": (f"{label} (POST)", lambda c: c.query_post(query)),
        "GET": (f"{label} (GET)", lambda c: c.query_get(query)),
        "update": (f"{label} (/update)", lambda c: c.update(TOKEN, update)),
        "form": (f"{label} (/update, form)", lambda c: c.update(TOKEN, update, form=True)),
    }
    return [job for way, job in every.items() if way in ways]


def _send(number: int, text: str) -> Job:
    how = number % 3
    if how == 0:
        return lambda client: client.query_get(text)
    if how == 1:
        return lambda client: client.query_post(text)
    return lambda client: client.query_form(text)
