"""What serving.py relies on in granian beyond its public API, checked against the
installed granian: a granian upgrade that moves any of it fails here, not in production.

granian offers no public hook to share one listening socket bound before the workers,
to replace one worker on request, or to respawn through a crash loop; serving.py's
PreforkServer reaches these private parts of ``granian.server.MPServer`` instead.
"""

from __future__ import annotations

import inspect

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
