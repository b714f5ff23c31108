#!/usr/bin/env python
"""Load benchmark of the HTTP API, on SQLite and on PostgreSQL, against its throughput targets.

Why: a branch network reads consultations far more often than it writes them, and every
finished consultation is transcribed and verified once or more; the service has to carry
both on modest hardware (targets: ≥ 1,000 ``GET /api/v1/consultations/{id}`` per second
with p99 < 50 ms, and ≥ 50 verifications per second, a verification being
``PUT …/transcript`` followed by ``POST …/verification``).

What it does, per backend, all on loopback:

1. starts ``wanjeon serve --host 127.0.0.1 --port <free> --workers N`` as a separate process
   group on a fresh data folder (and, for PostgreSQL, a fresh schema ``wj_bench_<random>``
   in ``--postgres-url``, migrated by ``serve`` itself);
2. seeds it through the API: an admin token, the product and customer of a dev-set case,
   ``--get-consultations`` consultations with that case's transcript for the reads, and
   ``--verify-consultations`` per connection for the verifications, which each connection
   goes round (writers never contend for a row; and each consultation is re-verified a few
   times a run, as in a branch, not hundreds of times, which would grow its status history
   and so the cost of every read of it);
3. warms up, then runs each scenario for ``--seconds`` with ``--concurrency`` keep-alive
   connections from ``wrk`` (``bench/wrk/*.lua``), counting only 2xx as successes and
   every other status or socket error as an error;
4. stops the server (and drops the schema) whatever happens, prints the results with
   the CPU time the server and this load generator used, and appends them to
   ``bench/RESULTS.md``.

Run:  .venv/bin/python bench/api_bench.py [--backend sqlite|postgres|both] [--seconds 15]
      [--concurrency 32] [--workers 2] [--no-write]

The load generator runs on the same machine as the server and competes with it for CPU;
the CPU columns say how much each took, so a missed target can be told apart from a
saturated machine. Compare runs only on the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from verify_bench import cpu_model, package_version, source_revision

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO / "bench" / "RESULTS.md"
DEFAULT_CASE = REPO.parent / "shared" / "devset" / "d01-els-stepdown-complete-pass.yaml"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HOST = "127.0.0.1"

TARGET_GET_PER_S = 1000.0
TARGET_GET_P99_MS = 50.0
TARGET_VERIFY_PER_S = 50.0

ADMIN_PASSWORD = "bench-" + secrets.token_urlsafe(12)
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the case ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    product: dict[str, Any]
    customer: dict[str, Any]
    context: dict[str, Any]
    transcript: bytes
    transcript_type: str
    segments: int


def load_seed(case_path: Path) -> Seed:
    """The product, customer, context and transcript of a dev-set case file, as API bodies."""
    case = yaml.safe_load(case_path.read_text(encoding="utf-8"))

    def mapping(name: str) -> dict[str, Any]:
        value = case.get(name)
        if isinstance(value, str):  # a path beside the case file
            value = yaml.safe_load((case_path.parent / value).read_text(encoding="utf-8"))
        if not isinstance(value, dict):
            raise SystemExit(f"{case_path}: {name} must be a mapping or a file next to the case")
        return value

    raw = case.get("transcript")
    if isinstance(raw, str):
        path = case_path.parent / raw
        kinds = {".txt": "text/plain", ".vtt": "text/vtt", ".srt": "application/x-subrip"}
        body, kind = path.read_bytes(), kinds.get(path.suffix, "application/json")
        segments = sum(1 for line in body.decode("utf-8").splitlines() if line.strip())
    elif isinstance(raw, dict):
        body = json.dumps(raw, ensure_ascii=False).encode()
        kind, segments = "application/json", len(raw.get("segments", []))
    else:
        raise SystemExit(f"{case_path}: transcript must be a mapping or a file next to the case")
    context = case.get("context") or {}
    return Seed(mapping("product"), mapping("customer"), context, body, kind, segments)


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _proc_stats() -> Iterator[tuple[str, list[str]]]:
    """(command name, fields after it) of every live process (Linux /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        yield head.split("(", 1)[-1], tail.split()


def _cpu(fields: list[str]) -> float:
    # after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def group_cpu_seconds(pgid: int) -> float:
    """user + system CPU of every live process in process group ``pgid``."""
    return sum(_cpu(fields) for _, fields in _proc_stats() if int(fields[2]) == pgid)


def postgres_cpu_seconds() -> float:
    """user + system CPU of the live PostgreSQL server processes (all their sessions, not only ours)."""
    return sum(_cpu(fields) for name, fields in _proc_stats() if name.startswith("postgres"))


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent busy since boot (Linux /proc/stat), in seconds."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        return group_cpu_seconds(self.process.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


@contextmanager
def running_server(data_dir: Path, workers: int, database_url: str | None) -> Iterator[Server]:
    """``wanjeon serve`` in its own process group; stopped (TERM, then KILL) on the way out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANJEON_")}
    env.update(WANJEON_DATA_DIR=str(data_dir), WANJEON_ADMIN_PASSWORD=ADMIN_PASSWORD)
    if database_url:
        env["WANJEON_DATABASE_URL"] = database_url
    port = free_port()
    log = data_dir / "server.log"
    command = [sys.executable, "-m", "wanjeon", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Server(f"http://{HOST}:{port}", process, log)
    try:
        wait_until_ready(server, timeout=120.0)
        yield server
    finally:
        stop(process)


def wait_until_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.base_url + "/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server was not ready after {timeout:.0f} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask uvicorn's supervisor to stop its workers; kill the group if it does not."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group started above: stray workers, if any
    if process.poll() is None:
        process.wait(timeout=10)


@contextmanager
def postgres_schema(admin_url: str) -> Iterator[str]:
    """A fresh schema in ``admin_url``'s database; yields the URL that uses it; dropped afterwards."""
    import sqlalchemy as sa

    schema = f"wj_bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in admin_url else "?"
        yield f"{admin_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            engine.dispose()


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class Seeded:
    headers: dict[str, str]
    readable: list[str]
    writable: list[str]


def seed_server(server: Server, seed: Seed, *, readable: int, writable: int) -> Seeded:
    with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD})
        _expect(token, 200)
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        _expect(client.post("/api/v1/products", json=seed.product), 201)
        _expect(client.post("/api/v1/customers", json=seed.customer), 201)
        ids: list[str] = []
        for _ in range(readable + writable):
            opened = client.post(
                "/api/v1/consultations",
                json={
                    "customer_id": seed.customer["id"],
                    "product_id": seed.product["id"],
                    "context": seed.context,
                },
            )
            _expect(opened, 201)
            consultation = opened.json()["id"]
            put = client.put(
                f"/api/v1/consultations/{consultation}/transcript",
                content=seed.transcript,
                headers={"Content-Type": seed.transcript_type},
            )
            _expect(put, 200)
            ids.append(consultation)
        return Seeded(dict(client.headers), ids[:readable], ids[readable:])


def _expect(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(
            f"seeding: {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}: {response.text[:500]}"
        )


# --- load -------------------------------------------------------------------------------------

WRK_SCRIPTS = REPO / "bench" / "wrk"


@dataclass
class Phase:
    """What one scenario measured: requests, their latencies, successes, errors, CPU."""

    name: str
    seconds: float = 0.0
    requests: int = 0
    ok: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_wrk(
    base_url: str, script: str, script_args: Sequence[str], threads: int, connections: int, seconds: float
) -> dict[str, Any]:
    """Runs wrk (a C load generator, so the client costs little of the CPU the server needs)
    and returns the JSON line its script prints; wrk's own CPU is added to ``client_cpu``."""
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=30s",
        f"--script={WRK_SCRIPTS / script}",
        base_url,
        "--",
        *script_args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("WRK-RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("WRK-RESULT "))
            return result
    raise RuntimeError(f"wrk exited with {done.returncode} without a result:\n{done.stdout}\n{done.stderr}")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(server: Server, name: str, load: Callable[[float], dict[str, Any]], seconds: float) -> Phase:
    """Runs ``load`` for ``seconds`` and takes the CPU each party used meanwhile."""
    phase = Phase(name)
    server_cpu, client_cpu, machine_cpu = (
        server.cpu_seconds(),
        _children_cpu_seconds(),
        machine_busy_seconds(),
    )
    postgres_cpu = postgres_cpu_seconds()
    result = load(seconds)
    phase.server_cpu_s = server.cpu_seconds() - server_cpu
    phase.client_cpu_s = _children_cpu_seconds() - client_cpu
    phase.machine_cpu_s = machine_busy_seconds() - machine_cpu
    phase.postgres_cpu_s = max(0.0, postgres_cpu_seconds() - postgres_cpu)  # an exited session takes its CPU
    phase.seconds = result["duration_us"] / 1e6
    phase.requests = result["requests"]
    phase.latency_ms = {q: result[f"{q}_us"] / 1000 for q in ("p50", "p90", "p99", "max")}
    for kind in ("connect", "read", "write", "timeout"):
        if result[kind]:
            phase.errors[f"socket {kind}"] += result[kind]
    if "posts_ok" in result:  # a verification is a PUT and a POST, both 2xx
        phase.ok = result["posts_ok"]
        if result["failed"]:
            phase.errors["non-2xx"] += result["failed"]
    else:
        phase.ok = result["requests"] - result["status"]
        if result["status"]:
            phase.errors["non-2xx"] += result["status"]
    return phase


def get_load(base_url: str, seeded: Seeded, args: argparse.Namespace) -> Callable[[float], dict[str, Any]]:
    token = seeded.headers["authorization"].removeprefix("Bearer ")
    ids = ",".join(seeded.readable)
    return lambda seconds: run_wrk(
        base_url, "get.lua", [token, ids], args.client_threads, args.concurrency, seconds
    )


def verify_load(
    base_url: str, seeded: Seeded, seed: Seed, transcript: Path, args: argparse.Namespace
) -> Callable[[float], dict[str, Any]]:
    token = seeded.headers["authorization"].removeprefix("Bearer ")
    ids = ",".join(seeded.writable)
    script_args = [token, str(transcript), seed.transcript_type, ids, str(args.concurrency)]
    # one connection per wrk thread keeps each connection's PUT and POST in order
    return lambda seconds: run_wrk(
        base_url, "verify.lua", script_args, args.concurrency, args.concurrency, seconds
    )


# --- a run ------------------------------------------------------------------------------------


@dataclass
class BackendResult:
    backend: str
    get: Phase
    verify: Phase


def run_backend(backend: str, seed: Seed, args: argparse.Namespace) -> BackendResult:
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"wanjeon-bench-{backend}-")))
        url = stack.enter_context(postgres_schema(args.postgres_url)) if backend == "postgres" else None
        print(f"[{backend}] starting wanjeon serve --workers {args.workers} …", flush=True)
        server = stack.enter_context(running_server(data_dir, args.workers, url))
        transcript = data_dir / "transcript.body"
        transcript.write_bytes(seed.transcript)
        try:
            writable = args.concurrency * args.verify_consultations
            seeded = seed_server(server, seed, readable=args.get_consultations, writable=writable)
            reads = get_load(server.base_url, seeded, args)
            writes = verify_load(server.base_url, seeded, seed, transcript, args)
            print(f"[{backend}] GET /api/v1/consultations/{{id}} × {args.seconds:.0f} s …", flush=True)
            if args.warmup > 0:
                reads(args.warmup)
            get = measure(server, "GET", reads, args.seconds)
            print(f"[{backend}] {get.per_second:,.0f}/s, p99 {get.latency_ms['p99']:.1f} ms", flush=True)
            print(f"[{backend}] PUT transcript + POST verification × {args.seconds:.0f} s …", flush=True)
            # the first verification in each worker loads the language model: a longer warm-up
            writes(args.warmup + 5)
            verify = measure(server, "verification", writes, args.seconds)
            print(
                f"[{backend}] {verify.per_second:,.1f}/s, p99 {verify.latency_ms['p99']:.0f} ms", flush=True
            )
        except BaseException:
            print(f"[{backend}] server log (tail):\n{server.log_tail()}", file=sys.stderr)
            raise
        return BackendResult(backend, get, verify)


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def latencies(phase: Phase) -> str:
    ms = phase.latency_ms
    return f"{ms['p50']:.1f} / {ms['p90']:.1f} / {ms['p99']:.1f} / {ms['max']:.0f} ms"


def errors_of(phase: Phase) -> str:
    if not phase.errors:
        return "0"
    return f"{sum(phase.errors.values())} (" + ", ".join(f"{k} × {v}" for k, v in phase.errors.items()) + ")"


def cpu_of(phase: Phase) -> str:
    """CPU time over wall time (100% is one core busy for the whole scenario): the server, this
    load generator, PostgreSQL's processes, and whatever else ran on the machine meanwhile."""
    if not phase.seconds:
        return "—"
    ours = phase.server_cpu_s + phase.client_cpu_s + phase.postgres_cpu_s
    others = max(0.0, phase.machine_cpu_s - ours)
    share = [
        ("server", phase.server_cpu_s),
        ("client", phase.client_cpu_s),
        ("PostgreSQL", phase.postgres_cpu_s),
        ("other processes", others),
    ]
    used = ", ".join(f"{name} {seconds / phase.seconds:.0%}" for name, seconds in share)
    per = f"{phase.server_cpu_s / phase.ok * 1000:.1f} ms" if phase.ok else "—"
    return f"{used}; server CPU per success {per}"


def results_section(
    results: Sequence[BackendResult], args: argparse.Namespace, seed: Seed, wall: float, load_at_start: str
) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows: list[str] = []
    for r in results:
        g, v, b = r.get, r.verify, r.backend
        get_rate, get_p99 = g.per_second, g.latency_ms["p99"]
        rows += [
            f"| {b} | GET consultation: requests/s | {get_rate:,.0f} | ≥ {TARGET_GET_PER_S:,.0f} | "
            f"{met(get_rate >= TARGET_GET_PER_S)} |",
            f"| {b} | GET consultation: p50 / p90 / p99 / max | {latencies(g)} | "
            f"p99 < {TARGET_GET_P99_MS:.0f} ms | {met(get_p99 < TARGET_GET_P99_MS)} |",
            f"| {b} | GET: successes; errors; CPU | {g.ok:,}; {errors_of(g)}; {cpu_of(g)} | — | |",
            f"| {b} | verifications/s (PUT transcript + POST verification) | {v.per_second:,.1f} | "
            f"≥ {TARGET_VERIFY_PER_S:.0f} | {met(v.per_second >= TARGET_VERIFY_PER_S)} |",
            f"| {b} | verification requests (PUT or POST): p50 / p90 / p99 / max | {latencies(v)} | — | |",
            f"| {b} | verification: successes; errors; CPU | {v.ok:,}; {errors_of(v)}; {cpu_of(v)} | — | |",
        ]
    table = "\n".join(rows)
    return f"""
## {now} — HTTP API load (`bench/api_bench.py`)

- machine: {platform.platform()}; CPU {cpu_model()}; os.cpu_count() = {os.cpu_count()}; \
server and load generator share it; \
load average at start {load_at_start}
- Python {platform.python_version()} ({platform.python_implementation()}), \
wanjeon {package_version("wanjeon")} @ {source_revision()}, uvicorn {package_version("uvicorn")}
- `wanjeon serve --workers {args.workers}` on 127.0.0.1; load from {wrk_version()}: \
{args.concurrency} keep-alive connections ({args.client_threads} threads for GETs, one thread per \
connection for verifications); {args.seconds:.0f} s per scenario after a {args.warmup:.0f} s warm-up \
(+5 s for verifications); only 2xx count
- data: case `{args.case.name}` ({seed.segments} segments, {len(seed.transcript):,} bytes of \
{seed.transcript_type}); {args.get_consultations} consultations read round-robin; for the verifications each \
connection goes round {args.verify_consultations} consultations of its own \
({args.concurrency * args.verify_consultations} in all)
- backends: {", ".join(r.backend for r in results)} (PostgreSQL in a fresh schema, dropped afterwards); \
bench wall time {wall:.0f} s

| backend | measure | result | target | |
| --- | --- | --- | --- | --- |
{table}
"""


def wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


def append_results(path: Path, section: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(section)


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before each scenario")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument(
        "--client-threads", type=int, default=1, help="wrk threads for the GETs (each one a core's worth)"
    )
    parser.add_argument("--workers", type=int, default=2, help="wanjeon serve --workers")
    parser.add_argument(
        "--get-consultations", type=int, default=64, help="consultations the reads cycle over"
    )
    parser.add_argument(
        "--verify-consultations",
        type=int,
        default=8,
        help="consultations each connection goes round for the verifications",
    )
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE, help="dev-set case that supplies the data")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES, help="an existing database (loopback only)"
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="Markdown file to append to")
    parser.add_argument("--no-write", action="store_true", help="print the section without appending it")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1 or args.workers < 1:
        parser.error("--seconds must be > 0, --warmup ≥ 0, --concurrency and --workers ≥ 1")
    if args.client_threads < 1 or args.client_threads > args.concurrency:
        parser.error("--client-threads must be between 1 and --concurrency")
    if shutil.which("wrk") is None:
        parser.error("the load comes from wrk, which is not on PATH (Debian: apt-get install wrk)")
    if args.get_consultations < 1 or args.verify_consultations < 1:
        parser.error("--get-consultations and --verify-consultations must be ≥ 1")
    from sqlalchemy.engine import make_url

    if args.backend != "sqlite" and make_url(args.postgres_url).host not in LOOPBACK:
        parser.error(f"--postgres-url must be on loopback ({', '.join(sorted(LOOPBACK))})")
    if not args.case.is_file():
        parser.error(f"no case file {args.case}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began, load_at_start = time.monotonic(), load_average()
    seed = load_seed(args.case)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [run_backend(backend, seed, args) for backend in backends]
    section = results_section(results, args, seed, time.monotonic() - began, load_at_start)
    print(section)
    if not args.no_write:
        append_results(args.results, section)
        print(f"appended to {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
