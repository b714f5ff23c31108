"""The object-store contract against a real S3 API: moto_server on loopback, spoken to by boto3.

The server runs as a separate process for the whole session, so requests go through
HTTP, signing, multipart and Range exactly as with S3 or MinIO. With CI=true these tests
must run: a missing moto_server is a failure there, and a skip elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, BinaryIO, cast

import boto3
import pytest
from botocore.config import Config

from support import free_port, moto_server_command, start_moto_server, stop
from wanjeon.adapters.objects.encrypted import HEADER_SIZE, EncryptingObjectStore
from wanjeon.adapters.objects.s3 import S3ObjectStore
from wanjeon.adapters.objects.sweep import sweep_orphans
from wanjeon.recording.storage import (
    IntegrityError,
    ObjectMissing,
    ObjectStore,
    ObjectTooLarge,
    StorageError,
    verified_chunks,
    verify,
)

MIB = 1024 * 1024
MASTER = bytes(range(32))
CREDENTIALS = {"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = moto_server_command()
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("moto_server is not installed, and CI must run the S3 tests: pip install -e '.[dev]'")
        pytest.skip("moto_server is not installed (pip install 'moto[server]'); the S3 tests need it")
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    started = start_moto_server(command, log_path)
    if started is None:
        pytest.fail(f"moto_server did not start; its log:\n{log_path.read_text(errors='replace')}")
    process, url = started
    with pytest.MonkeyPatch.context() as env:
        # A proxy from the environment must not intercept loopback requests.
        for name in ("NO_PROXY", "no_proxy"):
            env.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"])))
        try:
            yield url
        finally:
            stop(process)


def s3_store(endpoint: str, bucket: str, **options: Any) -> S3ObjectStore:
    store = S3ObjectStore(bucket, endpoint_url=endpoint, list_page_size=5, **CREDENTIALS, **options)
    store.ensure_bucket()
    return store


@pytest.fixture(params=["s3", "encrypted-s3"])
def store(request: pytest.FixtureRequest, s3_endpoint: str) -> ObjectStore:
    s3 = s3_store(s3_endpoint, f"wanjeon-{uuid.uuid4().hex[:12]}")
    return s3 if request.param == "s3" else EncryptingObjectStore(s3, MASTER)


def backend(store: ObjectStore) -> S3ObjectStore:
    inner = store.inner if isinstance(store, EncryptingObjectStore) else store
    assert isinstance(inner, S3ObjectStore)
    return inner


def pending_uploads(store: ObjectStore) -> list[Any]:
    s3 = backend(store)
    return list(s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []))


def payload(size: int, seed: int = 11) -> bytes:
    return random.Random(seed).randbytes(size)


class FailingStream:
    """A source that hangs up after ``fail_after`` bytes, like a dropped upload."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        self._data = io.BytesIO(data)
        self._fail_after = fail_after

    def read(self, size: int = -1) -> bytes:
        if self._data.tell() >= self._fail_after:
            raise ConnectionResetError("the client went away")
        return self._data.read(min(size, self._fail_after - self._data.tell()))


def put(store: ObjectStore, key: str, data: bytes, max_bytes: int | None = None) -> Any:
    return store.put(key, io.BytesIO(data), content_type="audio/webm", max_bytes=max_bytes)


@pytest.mark.parametrize("size", [0, 1, 64 * 1024 + 1, 200_000])
def test_an_object_reads_back_unchanged_with_its_plaintext_digest(store: ObjectStore, size: int) -> None:
    data = payload(size)
    ref = put(store, "recordings/c-1/audio.webm", data)
    assert (ref.sha256, ref.size) == (hashlib.sha256(data).hexdigest(), size)
    assert b"".join(store.open(ref.key)) == data
    assert store.size(ref.key) == size
    verify(store, ref)


def test_a_20_mib_stream_is_uploaded_in_parts_and_reads_back_unchanged(store: ObjectStore) -> None:
    data = payload(20 * MIB)
    ref = put(store, "recordings/long.webm", data)
    s3 = backend(store)
    head = s3.client.head_object(Bucket=s3.bucket, Key=ref.key)
    assert head["ETag"].strip('"').endswith("-3"), "three 8 MiB parts"
    assert ref.size == 20 * MIB
    verify(store, ref)
    assert store.read_range(ref.key, 8 * MIB - 5, 8 * MIB + 5) == data[8 * MIB - 5 : 8 * MIB + 5]
    assert pending_uploads(store) == []


def test_a_stream_over_the_size_limit_aborts_the_upload_and_leaves_nothing(store: ObjectStore) -> None:
    with pytest.raises(ObjectTooLarge):  # in the third part: two parts are uploaded by then
        put(store, "recordings/huge.webm", payload(20 * MIB), max_bytes=18 * MIB)
    with pytest.raises(ObjectTooLarge):
        put(store, "recordings/small.webm", payload(2000), max_bytes=1000)
    assert list(store.keys()) == []
    assert pending_uploads(store) == []


# 17 MiB falls in the third part, after two parts were uploaded: the upload must be aborted.
@pytest.mark.parametrize("fail_after", [3 * MIB, 17 * MIB], ids=["single-put", "multipart"])
def test_a_stream_failing_midway_leaves_no_object_under_the_key(store: ObjectStore, fail_after: int) -> None:
    ref = put(store, "rec", b"the previous recording")
    with pytest.raises(ConnectionResetError):
        store.put(
            "rec", cast(BinaryIO, FailingStream(payload(20 * MIB), fail_after)), content_type="audio/webm"
        )
    with pytest.raises(ConnectionResetError):
        store.put(
            "new", cast(BinaryIO, FailingStream(payload(20 * MIB), fail_after)), content_type="audio/webm"
        )
    verify(store, ref)
    assert list(store.keys()) == ["rec"]
    assert pending_uploads(store) == []


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),
        (0, 1),
        (65_535, 65_537),
        (65_536, 131_072),
        (199_999, 200_000),
        (100, 300_000),
        (200_000, 200_010),
    ],
)
def test_a_range_read_returns_exactly_the_bytes_between_start_and_end(
    store: ObjectStore, start: int, end: int
) -> None:
    data = payload(200_000)
    put(store, "r", data)
    assert store.read_range("r", start, end) == data[start:end]


def test_a_missing_object_is_reported_as_missing(store: ObjectStore) -> None:
    ref = put(store, "gone", b"x")
    store.delete("gone")
    store.delete("gone")
    with pytest.raises(ObjectMissing, match="gone"):
        store.open("gone")
    with pytest.raises(ObjectMissing):
        store.read_range("gone", 0, 1)
    with pytest.raises(ObjectMissing):
        store.read_range("gone", 0, 0)
    with pytest.raises(ObjectMissing):
        verify(store, ref)
    assert store.size("gone") is None
    assert not store.exists("gone")


def test_keys_pages_through_every_object_under_a_prefix(store: ObjectStore) -> None:
    for i in range(12):
        put(store, f"recordings/{i:02}", b"x")
    put(store, "transcripts/1", b"x")
    assert sorted(store.keys("recordings/")) == [f"recordings/{i:02}" for i in range(12)]
    assert len(list(store.keys())) == 13


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a\\b", "a//b"])
def test_a_key_that_could_escape_or_mean_two_things_is_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(StorageError, match="object key"):
        put(store, key, b"x")


def test_an_object_changed_behind_the_database_fails_verification(store: ObjectStore) -> None:
    data = payload(150_000)
    ref = put(store, "transcripts/c-1.json", data)
    s3 = backend(store)
    raw = s3.client.get_object(Bucket=s3.bucket, Key=ref.key)["Body"].read()
    changed = bytearray(raw)
    changed[HEADER_SIZE + 70_000] ^= 1
    s3.client.put_object(Bucket=s3.bucket, Key=ref.key, Body=bytes(changed))
    with pytest.raises(IntegrityError, match=r"transcripts/c-1\.json"):
        b"".join(verified_chunks(store, ref))


def test_server_side_encryption_is_requested_for_single_and_multipart_puts(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, f"wanjeon-sse-{uuid.uuid4().hex[:8]}", sse="AES256")
    put(store, "small", b"x")
    put(store, "large", payload(9 * MIB))
    for key in ("small", "large"):
        assert store.client.head_object(Bucket=store.bucket, Key=key)["ServerSideEncryption"] == "AES256"


def test_a_sweep_deletes_unreferenced_objects_by_their_s3_age(store: ObjectStore) -> None:
    for key in ("recordings/kept", "recordings/orphan"):
        put(store, key, b"x")
    referenced = {"recordings/kept"}.__contains__
    assert sweep_orphans(store, referenced, older_than=timedelta(hours=1)) == []
    assert sweep_orphans(store, referenced, older_than=timedelta(0)) == ["recordings/orphan"]
    assert list(store.keys()) == ["recordings/kept"]


def test_ensure_bucket_creates_a_bucket_once_in_any_region(s3_endpoint: str) -> None:
    store = S3ObjectStore(
        f"wanjeon-eu-{uuid.uuid4().hex[:8]}",
        endpoint_url=s3_endpoint,
        region="eu-west-1",
        access_key="testing",
        secret_key="testing",
    )
    store.ensure_bucket()
    store.ensure_bucket()
    assert put(store, "a", b"x").size == 1


def test_an_unreachable_endpoint_is_a_storage_error() -> None:
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    store = S3ObjectStore("wanjeon-nowhere", client=client)
    with pytest.raises(StorageError, match="s3://wanjeon-nowhere/a"):
        put(store, "a", b"x")
    with pytest.raises(StorageError, match="s3://wanjeon-nowhere/a"):
        store.open("a")
