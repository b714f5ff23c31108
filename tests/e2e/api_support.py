"""The HTTP API on real stacks, for the e2e tests and the reliability test.

Two stacks, built the way ``wanjeon serve`` builds them (``Settings`` → ``build_container``
→ ``create_app``) and driven through ``fastapi.testclient.TestClient``:

- ``embedded``: a SQLite file and a local object folder under a temporary data folder;
- ``postgresql+s3``: PostgreSQL at 127.0.0.1:5432/test in a fresh schema per stack, and a
  fresh bucket on a moto_server started on a free loopback port for the session.

With CI=true the PostgreSQL+S3 stack must run (an unreachable server fails); elsewhere it
is skipped with the reason. Every stack is seeded with one account per role in two
branches (강남, 여의도), a service token, and the products and customers of dev-set cases
d02 and d17. Test modules import the fixtures: ``from e2e.api_support import api_infra, service``.
"""

from __future__ import annotations

import dataclasses
import io
import os
import secrets
import subprocess
import wave
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
import yaml
from botocore.config import Config
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.exc import OperationalError

from support import moto_server_command, start_moto_server, stop
from wanjeon.accounts.model import Account, Role, Scope
from wanjeon.adapters.auth.tokens import hash_service_token, new_service_token
from wanjeon.bootstrap import Container, build_container
from wanjeon.config import Settings
from wanjeon.entrypoints.api.app import create_app
from wanjeon.verification.engine import Verifier

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "devset"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
S3_KEYS = {"s3_region": "us-east-1", "s3_access_key": "test", "s3_secret_key": "test"}
PROBLEM = "application/problem+json"
ADMIN_PASSWORD = "e2e-admin-password"
STACKS = ["embedded", "postgresql+s3"]
GANGNAM, YEOUIDO = "강남", "여의도"


@dataclass(frozen=True)
class Person:
    """A seeded account: ``key`` is how tests name it, ``account`` what the service stores."""

    key: str
    account: Account
    password: str


PEOPLE = (
    Person("seller_a", Account("seller-a", Role.SELLER, GANGNAM, "김판매"), "pw-seller-a"),
    Person("seller_b", Account("seller-b", Role.SELLER, YEOUIDO, "이판매"), "pw-seller-b"),
    Person("reviewer_gangnam", Account("reviewer-gangnam", Role.REVIEWER, GANGNAM, "박심사"), "pw-rev-g"),
    Person("reviewer_yeouido", Account("reviewer-yeouido", Role.REVIEWER, YEOUIDO, "윤심사"), "pw-rev-y"),
    Person("reviewer_all", Account("reviewer-all", Role.REVIEWER, "본점", "최심사", Scope.ALL), "pw-rev-all"),
    Person("auditor", Account("auditor", Role.AUDITOR, "본점", "정감사"), "pw-auditor"),
)
# An integration (a branch recorder) acting as a seller of its whole branch, with a service token.
SERVICE_ACCOUNT = Account("recorder-gangnam", Role.SELLER, GANGNAM, "녹취 연동", Scope.BRANCH)
RETIRED_ACCOUNT = Account("retired-bot", Role.SELLER, GANGNAM, "퇴역 연동", Scope.BRANCH, active=False)


def load_case(name: str) -> dict[str, Any]:
    """A dev-set case file (``d02`` → ``d02-*.yaml``) as plain data."""
    (path,) = sorted(DEVSET.glob(f"{name}-*.yaml"))
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A valid mono 16-bit PCM WAV file, a rising saw tone so that no two chunks are equal."""
    frames = bytes((i * 7) % 256 for i in range(int(seconds * rate) * 2))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def problem(response: Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem with ``status`` and return its body."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].split(";")[0] == PROBLEM, response.headers
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys(), body
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


# --- infrastructure: moto_server and PostgreSQL, started lazily once per session ----------------


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; with CI=true the PostgreSQL+S3 stack must run")
    pytest.skip(reason)


class Infrastructure:
    """moto_server and the PostgreSQL admin engine, each started on first need."""

    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._moto: subprocess.Popen[bytes] | None = None
        self._endpoint: str | None = None
        self._admin: sa.Engine | None = None
        self._schemas: list[str] = []

    def s3_endpoint(self) -> str:
        if self._endpoint is not None:
            return self._endpoint
        command = moto_server_command()
        if command is None:
            _unavailable("moto_server is not installed (pip install -e '.[dev]')")
            raise AssertionError("unreachable")
        log = self._logs / "moto_server.log"
        started = start_moto_server(command, log)
        if started is None:
            pytest.fail(f"moto_server did not start; its log:\n{log.read_text(errors='replace')}")
        self._moto, self._endpoint = started
        return self._endpoint

    def new_schema(self) -> str:
        """An empty schema ``wj_api_<random>`` in the test database, dropped at the end of the session."""
        if self._admin is None:
            engine = sa.create_engine(POSTGRES, connect_args={"connect_timeout": 3})
            try:
                with engine.connect():
                    pass
            except OperationalError as exc:
                engine.dispose()
                _unavailable(f"PostgreSQL at 127.0.0.1:5432/test is unreachable: {exc.orig}")
            self._admin = engine
        schema = f"wj_api_{secrets.token_hex(6)}"
        with self._admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        self._schemas.append(schema)
        return schema

    def close(self) -> None:
        if self._admin is not None:
            with self._admin.begin() as connection:
                for schema in self._schemas:
                    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            self._admin.dispose()
        if self._moto is not None:
            stop(self._moto)


@pytest.fixture(scope="session")
def api_infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infrastructure]:
    infra = Infrastructure(tmp_path_factory.mktemp("api-infra"))
    with pytest.MonkeyPatch.context() as env:
        # A proxy from the environment must not intercept loopback requests.
        for name in ("NO_PROXY", "no_proxy"):
            env.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"])))
        try:
            yield infra
        finally:
            infra.close()


# --- a stack ------------------------------------------------------------------------------------


@dataclass
class Stack:
    """One running service: its container, clients, the seeded people's tokens and raw storage."""

    kind: str
    settings: Settings
    container: Container
    client: TestClient
    lenient: TestClient  # answers 500s instead of raising, for failures the test provokes
    tokens: dict[str, str] = field(default_factory=dict)
    s3: Any = None

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def new_client(self) -> TestClient:
        return TestClient(self.client.app)

    # raw storage, bypassing wanjeon's adapters: what an operator (or an attacker) sees at rest
    def object_keys(self, prefix: str) -> list[str]:
        if self.s3 is not None:
            pages = self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.settings.s3_bucket, Prefix=prefix
            )
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
        root = self.settings.objects_dir
        return sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.relative_to(root).as_posix().startswith(prefix)
        )

    def raw_object(self, key: str) -> bytes:
        if self.s3 is not None:
            body: bytes = self.s3.get_object(Bucket=self.settings.s3_bucket, Key=key)["Body"].read()
            return body
        return (self.settings.objects_dir / key).read_bytes()

    def overwrite_object(self, key: str, data: bytes) -> None:
        if self.s3 is not None:
            self.s3.put_object(Bucket=self.settings.s3_bucket, Key=key, Body=data)
        else:
            (self.settings.objects_dir / key).write_bytes(data)

    # API shortcuts for arranging a test; the tests assert on the routes themselves
    def open_consultation(self, who: str = "seller_a", case: str = "d02") -> dict[str, Any]:
        data = load_case(case)
        payload = {
            "customer_id": data["customer"]["id"],
            "product_id": data["product"]["id"],
            "context": data["context"],
        }
        response = self.client.post("/api/v1/consultations", json=payload, headers=self.auth(who))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def put_transcript(self, consultation_id: str, transcript: Any, who: str = "seller_a") -> dict[str, Any]:
        response = self.client.put(
            f"/api/v1/consultations/{consultation_id}/transcript", json=transcript, headers=self.auth(who)
        )
        assert response.status_code == 200, response.text
        stored: dict[str, Any] = response.json()
        return stored

    def verify(self, consultation_id: str, who: str = "seller_a") -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/consultations/{consultation_id}/verification", headers=self.auth(who)
        )
        assert response.status_code == 200, response.text
        record: dict[str, Any] = response.json()
        return record

    def verified(self, who: str = "seller_a", case: str = "d02") -> dict[str, Any]:
        """A consultation of ``case`` with its transcript stored and verified once."""
        created = self.open_consultation(who, case)
        self.put_transcript(created["id"], load_case(case)["transcript"], who)
        self.verify(created["id"], who)
        return created

    def list_all(self, who: str = "admin", **filters: Any) -> list[dict[str, Any]]:
        """Every consultation ``who`` may list (with ``filters``), following the cursor to the end."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 200, **filters}
        while True:
            response = self.client.get("/api/v1/consultations", params=params, headers=self.auth(who))
            assert response.status_code == 200, response.text
            page = response.json()
            found.extend(page["items"])
            if page["next_cursor"] is None:
                return found
            params["cursor"] = page["next_cursor"]


def _settings(kind: str, data_dir: Path, infra: Infrastructure, **overrides: Any) -> Settings:
    options: dict[str, Any] = {"data_dir": data_dir, "admin_password": ADMIN_PASSWORD, "max_upload_mb": 1}
    if kind == "postgresql+s3":
        schema = infra.new_schema()
        options |= {
            "database_url": f"{POSTGRES}?options=-csearch_path%3D{schema}",
            "s3_endpoint": infra.s3_endpoint(),
            "s3_bucket": f"wj-api-{secrets.token_hex(6)}",
            **S3_KEYS,
        }
    elif kind != "embedded":
        raise ValueError(kind)
    return Settings(**(options | overrides))


def _seed(stack: Stack) -> None:
    container, client = stack.container, stack.client
    for person in PEOPLE:
        container.create_account(person.account, person.password)
    for account in (SERVICE_ACCOUNT, RETIRED_ACCOUNT):
        container.create_account(account, secrets.token_urlsafe(16))
        token = new_service_token()
        with container.services.uow() as uow:
            uow.accounts.add_service_token(f"{account.username}-token", hash_service_token(token), account)
            uow.commit()
        stack.tokens["service" if account is SERVICE_ACCOUNT else "retired_service"] = token
    # Tokens are issued as the token route issues them (the flow test logs in through the route).
    for key, username in [("admin", "admin")] + [(p.key, p.account.username) for p in PEOPLE]:
        with container.services.uow() as uow:
            found = uow.accounts.get(username)
        assert found is not None
        stack.tokens[key] = container.tokens.issue(found[0])
    for case in ("d02", "d17"):
        data = load_case(case)
        for route, body in (("products", data["product"]), ("customers", data["customer"])):
            response = client.post(f"/api/v1/{route}", json=body, headers=stack.auth("admin"))
            assert response.status_code == 201, response.text


@contextmanager
def open_stack(
    kind: str, data_dir: Path, infra: Infrastructure, verifier: Verifier, **overrides: Any
) -> Iterator[Stack]:
    """A seeded stack of ``kind``; the engine is disposed when the block ends."""
    settings = _settings(kind, data_dir, infra, **overrides)
    container = build_container(settings)
    # The session's verifier (same built-in rulebook) saves loading the language model per stack.
    container.services = dataclasses.replace(container.services, verifier=lambda: verifier)
    app = create_app(container)
    s3 = None
    if settings.uses_s3():
        s3 = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(s3={"addressing_style": "path"}),
        )
    stack = Stack(kind, settings, container, TestClient(app), TestClient(app, raise_server_exceptions=False))
    stack.s3 = s3
    try:
        _seed(stack)
        yield stack
    finally:
        container.engine.dispose()


@pytest.fixture(scope="module", params=STACKS)
def service(
    request: pytest.FixtureRequest,
    api_infra: Infrastructure,
    tmp_path_factory: pytest.TempPathFactory,
    verifier: Verifier,
) -> Iterator[Stack]:
    """One seeded stack of each kind per test module (tests make their own consultations)."""
    with open_stack(request.param, tmp_path_factory.mktemp("stack"), api_infra, verifier) as stack:
        yield stack


StackFactory = Callable[..., Stack]


@pytest.fixture()
def new_stack(
    api_infra: Infrastructure, tmp_path_factory: pytest.TempPathFactory, verifier: Verifier
) -> Iterator[StackFactory]:
    """Builds fresh stacks (``new_stack("postgresql+s3", max_upload_mb=2)``) closed after the test."""
    with ExitStack() as opened:

        def make(kind: str, **overrides: Any) -> Stack:
            directory = tmp_path_factory.mktemp("stack")
            return opened.enter_context(open_stack(kind, directory, api_infra, verifier, **overrides))

        yield make
