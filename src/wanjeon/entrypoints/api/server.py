"""Running the API under uvicorn: one process, or a supervisor and worker processes.

With ``--workers N`` uvicorn's supervisor normally binds one socket and every worker
accepts from it. The worker that wakes first then takes every connection waiting, so a
client pool that connects at once (a reverse proxy, a recorder integration, a load test)
lands on one worker while the others idle: the API bench saw 29 of 32 connections on one
of two workers, and tail latency followed. Here each worker listens on a socket of its own
bound with ``SO_REUSEPORT``, and the kernel spreads connections across them by address,
as nginx's ``reuseport`` does (on Linux; elsewhere uvicorn's shared socket stays).
Everything else (restarts, signals, health checks) stays uvicorn's.
"""

from __future__ import annotations

import copy
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG, STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from wanjeon.errors import InputError

APP = "wanjeon.entrypoints.api.main:app"


def logging_config() -> dict[str, Any]:
    """uvicorn's logging, with personal data masked by every handler before it is written."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["mask"] = {"()": "wanjeon.privacy.masking.MaskingLogFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("mask")
    return config


def serve(host: str, port: int, workers: int) -> None:
    """Serve until interrupted; ``workers`` processes when more than one."""
    config = uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=logging_config(),
    )
    if workers == 1:
        server = uvicorn.Server(config)
        server.run()
        if not server.started:  # the app or the socket failed; uvicorn has logged why
            raise SystemExit(STARTUP_FAILURE)
        return
    _refuse_taken_port(host, port)
    with _metrics_shared_by_workers():
        if sys.platform.startswith("linux"):
            OwnSocketWorkers(config).run()
        else:  # elsewhere SO_REUSEPORT does not spread connections: uvicorn's one shared socket
            Multiprocess(config, sockets=[config.bind_socket()]).run()


@contextmanager
def _metrics_shared_by_workers() -> Iterator[None]:
    """Workers count into files of one folder (prometheus_client's multiprocess mode), so
    that ``/metrics``, answered by whichever worker takes the scrape, reports them all. An
    operator's ``PROMETHEUS_MULTIPROC_DIR`` is kept; otherwise a folder lives as long as
    the supervisor. Workers inherit the variable before they import prometheus_client."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="wanjeon-metrics-") as folder:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]


class OwnSocketWorkers(Multiprocess):
    """uvicorn's supervisor, handing each worker it starts a listening socket of its own.

    uvicorn's ``Multiprocess`` passes ``self.sockets`` to every worker it starts (at
    start-up, on a restart, on SIGHUP and SIGTTIN); reading it here binds a fresh
    ``SO_REUSEPORT`` socket each time. The supervisor lets go of its copy once the worker
    has started, so a socket lives exactly as long as its worker. The price: connections
    queued on a worker's socket when it dies are reset rather than taken by another worker
    (nginx's ``reuseport`` has the same), where uvicorn's shared socket would keep them.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        return [reuse_port_socket(self.config.host, self.config.port, self.config.backlog)]

    @sockets.setter
    def sockets(self, _shared: list[socket.socket]) -> None:
        """uvicorn's constructor assigns the one shared socket list; there is none here."""


def reuse_port_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` with ``SO_REUSEPORT``.

    It listens before its worker has started, so that connections the kernel routes to it
    meanwhile wait in its queue for the worker instead of all going to the workers already
    up (a socket that is only bound takes no part in the kernel's spreading)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.set_inheritable(True)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def _refuse_taken_port(host: str, port: int) -> None:
    """Bind once without ``SO_REUSEPORT``: that fails if anything listens there, even another
    wanjeon that would otherwise silently share the port with this one."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(
                "arguments", "--port", f"cannot listen on {host}:{port}: {exc.strerror}"
            ) from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
