"""Builders for consultations written as dialogues inside the tests themselves."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from wanjeon.consultation.case import Case
from wanjeon.consultation.model import (
    KIND_CATEGORY,
    Channel,
    Customer,
    InvestorType,
    Kind,
    Product,
    SaleContext,
)
from wanjeon.transcript.model import Speaker, Transcript, Utterance
from wanjeon.verification.report import Report

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset"


def product(kind: str, **overrides: object) -> Product:
    """A plausible product of ``kind``; tests override only the facts they are about."""
    k = Kind(kind)
    category = KIND_CATEGORY[k]
    defaults: dict[str, object] = {
        "id": f"test-{kind.replace('_', '-')}",
        "name": f"시험용 {kind}",
        "category": category,
        "kind": k,
        "risk_grade": {"els": 1, "dls": 1, "elf": 2, "fund": 3, "bond": 4, "trust": 4, "wrap": 3}.get(kind),
        "complex": kind in ("els", "dls", "elf"),
        "principal_protected": category.value == "deposit",
        "deposit_insured": category.value == "deposit"
        or kind in ("protection_insurance", "savings_insurance"),
    }
    defaults.update(overrides)
    return Product(**defaults)  # type: ignore[arg-type]


def customer(investor_type: str = "aggressive", age: int = 45) -> Customer:
    return Customer(id="c-test", age=age, investor_type=InvestorType(investor_type))


def dialogue(*lines: str) -> Transcript:
    """Lines written as ``"직원: …"`` / ``"고객: …"``, timed four seconds apart."""
    segments = []
    for i, line in enumerate(lines):
        who, _, text = line.partition(":")
        speaker = {"직원": Speaker.AGENT, "고객": Speaker.CUSTOMER}.get(who.strip(), Speaker.UNKNOWN)
        segments.append(Utterance(speaker, text.strip(), start=4.0 * i, end=4.0 * i + 3.5))
    return Transcript(tuple(segments))


def case(
    prod: Product,
    transcript: Transcript,
    cust: Customer | None = None,
    *,
    recommended: bool = True,
    channel: str = "branch",
) -> Case:
    return Case("test", prod, transcript, cust or customer(), SaleContext(recommended, Channel(channel)))


def status(report: Report, item_id: str) -> str | None:
    item = report.item(item_id)
    return None if item is None else item.status.value


def violation_ids(report: Report) -> list[str]:
    return [v.id for v in report.violations]


# --- a real S3 API for the tests: moto_server on a free loopback port ----------------------------


def moto_server_command() -> list[str] | None:
    """moto_server from this virtualenv, else from PATH; None when it is not installed."""
    beside_python = Path(sys.executable).with_name("moto_server")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("moto_server")
    return [found] if found else None


def answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_moto_server(command: list[str], log_path: Path) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start moto_server and wait until it answers; None if it would not start (see its log)."""
    for _ in range(3):  # another process may take the free port before the server binds it
        port = free_port()
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*command, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline and not answers(port):
            time.sleep(0.1)
        if process.poll() is None and answers(port):
            return process, f"http://127.0.0.1:{port}"
        stop(process)
    return None
