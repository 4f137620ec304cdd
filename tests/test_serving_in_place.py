"""Under ``d4sme-kg serve`` (granian) a request is answered in place, and its stand-in
answers for it when its thread is stuck (in_place, web.standing_in): through granian's
own response object, at the limit, once, logged once."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import quote

from .servers import d4sme_server, http

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HEADERS = {
    "Content-Type": "application/sparql-query",
    "Accept": "application/json",
    "Origin": "https://example.org",
}


def test_a_runaway_is_answered_at_its_limit_by_the_stand_in_and_logged_once() -> None:
    with d4sme_server(["--workers", "1", "--timeout", "1", "--no-validate"]) as base:
        replies: list[tuple[int, float, dict[str, str], dict[str, object]]] = []

        def run_away() -> None:
            started = time.monotonic()
            reply = http("POST", f"{base}/sparql", RUNAWAY, HEADERS, timeout=20)
            headers = {name.lower(): value for name, value in reply.headers.items()}
            replies.append((reply.status, time.monotonic() - started, headers, reply.json()))

        # Two at once on the one worker, which runs two requests at a time: each stand-in
        # gives its thread's running slot back, so a third request is still answered.
        runners = [threading.Thread(target=run_away) for _ in range(2)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(20)
        assert len(replies) == 2
        for status, seconds, headers, problem in replies:
            assert status == 503 and 1.0 <= seconds < 1.9, (status, seconds)
            assert str(problem["type"]).endswith("/timeout")
            assert headers["access-control-allow-origin"] == "*"
            assert headers["connection"] == "close"  # the worker is retiring
        answer = http("GET", f"{base}/sparql?query={quote('ASK { ?s ?p ?o }')}", timeout=10)
        assert answer.status == 200
        deadline = time.monotonic() + 5
        pattern = re.compile(r"POST /sparql 503 (\d+\.\d)ms")
        while time.monotonic() < deadline:
            logged = [float(m.group(1)) for line in base.log if (m := pattern.search(line))]
            if len(logged) >= 2:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # a second line per runaway would come by now
        logged = [float(m.group(1)) for line in base.log if (m := pattern.search(line))]
        assert len(logged) == 2 and all(ms >= 1000 for ms in logged), logged
