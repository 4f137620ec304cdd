"""What serving.py relies on in granian beyond its public API, checked against the
installed granian: a granian upgrade that moves any of it fails here, not in production.

granian offers no public hook to share one listening socket bound before the workers,
to replace one worker on request, or to respawn through a crash loop; serving.py's
PreforkServer reaches these private parts of ``granian.server.MPServer`` instead.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from granian.server import MPServer
from granian.server.common import AbstractServer, AbstractWorker
from granian.server.mp import WorkerProcess


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_private_methods_serving_overrides_keep_their_signatures() -> None:
    assert _parameters(MPServer._init_shared_socket) == ["self"]
    assert _parameters(MPServer._respawn_workers) == [
        "self",
        "workers",
        "spawn_target",
        "target_loader",
        "delay",
    ]
    assert {"target_loader", "wrap_loader"} <= set(_parameters(MPServer.serve))
    assert _parameters(WorkerProcess._id) == ["self"]


def test_the_private_attributes_serving_writes_and_reads_exist() -> None:
    server = MPServer("d4sme_kg.web:create_app")
    for name in (
        "_ssp",
        "_shd",
        "_sfd",
        "wrks",
        "respawned_wrks",
        "lifetime_signal",
        "main_loop_interrupt",
        "bind_addr",
        "bind_port",
        "backlog",
    ):
        assert hasattr(server, name), name
    # The worker's socket is taken from _sso when _shd is set (granian's own
    # _init_shared_socket on Linux), and a worker's birth is what the lifetime check
    # compares: replace_worker sets it to -inf and raises lifetime_signal.
    assert "self._sso" in inspect.getsource(MPServer)
    assert "self.birth" in inspect.getsource(AbstractWorker.__init__)
    main_loop = inspect.getsource(AbstractServer)
    assert "self.lifetime_signal" in main_loop and "worker.birth" in main_loop


def test_the_wsgi_wrapper_that_serving_wraps_still_makes_the_environ_from_the_scope() -> None:
    import granian.server.mp as granian_workers
    from granian.wsgi import _callback_wrapper

    # serving.answer_early_in_workers replaces the module's name for it, which the WSGI
    # worker calls, and adds to the scope what the app must find in its environ.
    assert granian_workers._wsgi_call_wrap is _callback_wrapper or getattr(
        granian_workers._wsgi_call_wrap, "answers_early", False
    )
    assert "_wsgi_call_wrap(" in inspect.getsource(MPServer._spawn_wsgi_worker)
    assert _parameters(_callback_wrapper)[:2] == ["callback", "scope_opts"]
    assert "| scope" in inspect.getsource(_callback_wrapper)


def test_each_request_gets_granians_answer_as_respond(monkeypatch: pytest.MonkeyPatch) -> None:
    import granian.server.mp as granian_workers

    from d4sme_kg.in_place import ANSWER_EARLY
    from d4sme_kg.serving import answer_early_in_workers

    monkeypatch.setattr(granian_workers, "_wsgi_call_wrap", granian_workers._wsgi_call_wrap)
    answer_early_in_workers()
    answer_early_in_workers()  # once only, however often it is called
    seen: list[object] = []

    def app(environ: dict[str, object], start_response: Any) -> list[bytes]:
        seen.append(environ.get(ANSWER_EARLY))
        start_response("200 OK", [])
        return [b""]

    class Proto:  # what granian's WSGIProtocol offers, in Python
        def __init__(self) -> None:
            self.answers: list[tuple[int, bytes]] = []

        def response_iter(self, status: int, headers: Any, chunks: Any) -> None:
            self.answers.append((status, b"".join(chunks)))

        def response_bytes(self, status: int, headers: Any, body: bytes) -> None:
            self.answers.append((status, body))

    run = granian_workers._wsgi_call_wrap(app, {}, None)
    assert not getattr(granian_workers._wsgi_call_wrap(app, {}, None), "answers_early", False)
    proto = Proto()
    run(proto, {"PATH_INFO": "/", "REQUEST_METHOD": "GET"})
    [respond] = seen
    respond(503, [], [b"early"])  # type: ignore[operator]
    assert proto.answers == [(200, b""), (503, b"early")]
