"""``wanjeon serve``: a real process on a real port, with one worker and with several."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, port: int, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANJEON_")}
    env["WANJEON_DATA_DIR"] = str(data_dir)
    command = [sys.executable, "-m", "wanjeon", "serve", "--host", HOST, "--port", str(port)]
    log = data_dir / "serve.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"http://{HOST}:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("wanjeon serve was not ready within 60 s")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _workers_answering(port: int, connections: int) -> list[int]:
    """Connects ``connections`` sockets first, all at once (as a client pool or a proxy
    does), then asks on each which worker answers it."""
    socks = [socket.create_connection((HOST, port), timeout=10) for _ in range(connections)]
    try:
        time.sleep(0.2)  # every connection waits in a listening queue before any request
        answered = []
        for sock in socks:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: wanjeon\r\nConnection: close\r\n\r\n")
            response = b""
            while chunk := sock.recv(65536):
                response += chunk
            head, _, body = response.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            answered.append(int(json.loads(body)["worker"]))
        return answered
    finally:
        for sock in socks:
            sock.close()


def test_connections_opened_at_once_are_spread_over_every_worker(tmp_path: Path) -> None:
    port = _free_port()
    with serving(tmp_path, port, workers=2) as process:
        answered = _workers_answering(port, 24)
        assert process.pid not in answered  # the supervisor itself accepts nothing
        # 24 connections hashed over two sockets: all on one would happen once in 8 million runs
        assert len(set(answered)) == 2, answered


def test_a_worker_that_dies_is_replaced_and_connections_keep_being_served(tmp_path: Path) -> None:
    port = _free_port()
    with serving(tmp_path, port, workers=2):
        first = set(_workers_answering(port, 24))
        os.kill(min(first), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                now = set(_workers_answering(port, 24))
            except OSError:
                now = set()
            if len(now) == 2 and min(first) not in now:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the killed worker {min(first)} was not replaced: {first}")


def test_a_port_in_use_is_refused_naming_the_port(tmp_path: Path) -> None:
    port = _free_port()
    with serving(tmp_path / "first", port, workers=2):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WANJEON_")}
        env["WANJEON_DATA_DIR"] = str(tmp_path / "second")
        second = subprocess.run(
            [sys.executable, "-m", "wanjeon", "serve", "--host", HOST, "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert second.returncode == 2
    assert "--port" in second.stderr and str(port) in second.stderr


def test_each_worker_runs_blocking_work_on_the_configured_number_of_threads(tmp_path: Path) -> None:
    import anyio.to_thread
    from fastapi.testclient import TestClient

    from wanjeon.bootstrap import build_container
    from wanjeon.config import Settings
    from wanjeon.entrypoints.api.app import create_app

    container = build_container(Settings(data_dir=tmp_path, worker_threads=3))
    app = create_app(container)

    @app.get("/threads-for-this-test")
    async def threads() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    try:
        with TestClient(app) as client:
            assert client.get("/threads-for-this-test").json() == 3
    finally:
        container.engine.dispose()


def test_metrics_count_the_requests_of_every_worker_whichever_answers_the_scrape(tmp_path: Path) -> None:
    port = _free_port()
    with serving(tmp_path, port, workers=2):
        answered = _workers_answering(port, 24)
        assert len(set(answered)) == 2
        for _ in range(4):  # the scrapes land on either worker; each must count all 24
            text = httpx.get(f"http://{HOST}:{port}/metrics", timeout=10).text
            counted = [
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("wanjeon_http_requests_total{") and 'route="/healthz"' in line
            ]
            assert sum(counted) == 24, text
