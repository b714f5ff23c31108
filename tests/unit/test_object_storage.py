"""Object storage: the port's contract on every local store, encryption, verification, sweeping."""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import os
import random
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, cast

import pytest

import wanjeon.recording.storage as port
from wanjeon.adapters.objects.encrypted import HEADER_SIZE, EncryptingObjectStore, key_from_setting
from wanjeon.adapters.objects.local import LocalObjectStore
from wanjeon.adapters.objects.sweep import sweep_orphans
from wanjeon.consultation.lifecycle import StoredRef
from wanjeon.recording.storage import (
    IntegrityError,
    MemoryObjectStore,
    ObjectMissing,
    ObjectStore,
    ObjectTooLarge,
    StorageError,
    verified_chunks,
    verify,
)

MASTER = bytes(range(32))
CHUNK = 64 * 1024
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17]


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


class FailingStream(io.RawIOBase):
    """A source that hangs up after ``fail_after`` bytes, like a dropped upload."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        self._data = io.BytesIO(data)
        self._fail_after = fail_after

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._data.tell() >= self._fail_after:
            raise ConnectionResetError("the client went away")
        return self._data.read(min(size, self._fail_after - self._data.tell()))


def failing(data: bytes, fail_after: int) -> BinaryIO:
    return cast(BinaryIO, FailingStream(data, fail_after))


def put(store: ObjectStore, key: str, data: bytes, max_bytes: int | None = None) -> StoredRef:
    return store.put(key, io.BytesIO(data), content_type="audio/webm", max_bytes=max_bytes)


def read_all(store: ObjectStore, key: str) -> bytes:
    return b"".join(store.open(key))


STORES: dict[str, Callable[[Path], ObjectStore]] = {
    "memory": lambda _: MemoryObjectStore(),
    "local": lambda root: LocalObjectStore(root / "objects"),
    "encrypted-memory": lambda _: EncryptingObjectStore(MemoryObjectStore(), MASTER),
    "encrypted-local": lambda root: EncryptingObjectStore(LocalObjectStore(root / "objects"), MASTER),
}


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    return STORES[request.param](tmp_path)


@pytest.fixture
def encrypted() -> EncryptingObjectStore:
    return EncryptingObjectStore(MemoryObjectStore(), MASTER)


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


# -- the contract, on every store ---------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_an_object_reads_back_unchanged_with_the_sha256_and_size_of_its_plaintext(
    store: ObjectStore, size: int
) -> None:
    data = payload(size)
    ref = put(store, "recordings/c-1/audio.webm", data)
    assert ref == StoredRef("recordings/c-1/audio.webm", hashlib.sha256(data).hexdigest(), size, "audio/webm")
    assert read_all(store, ref.key) == data
    assert store.size(ref.key) == size
    assert store.exists(ref.key)
    verify(store, ref)


def test_open_yields_chunks_no_larger_than_64_kib(store: ObjectStore) -> None:
    put(store, "a", payload(3 * CHUNK + 5))
    assert max(len(c) for c in store.open("a")) <= CHUNK


def test_a_stream_over_the_size_limit_raises_and_leaves_nothing(store: ObjectStore) -> None:
    with pytest.raises(ObjectTooLarge, match="limit of 100000 bytes"):
        put(store, "recordings/big", payload(300_000), max_bytes=100_000)
    assert not store.exists("recordings/big")
    assert list(store.keys()) == []


def test_a_stream_of_exactly_the_size_limit_is_stored(store: ObjectStore) -> None:
    assert put(store, "k", payload(CHUNK), max_bytes=CHUNK).size == CHUNK


def test_a_stream_failing_midway_leaves_no_object_under_the_key(store: ObjectStore) -> None:
    with pytest.raises(ConnectionResetError):
        store.put("rec", failing(payload(200_000), 150_000), content_type="audio/webm")
    assert not store.exists("rec")
    assert list(store.keys()) == []


def test_a_failed_replacement_keeps_the_previous_object(store: ObjectStore) -> None:
    ref = put(store, "rec", b"the first recording")
    with pytest.raises(ConnectionResetError):
        store.put("rec", failing(payload(200_000), 70_000), content_type="audio/webm")
    with pytest.raises(ObjectTooLarge):
        put(store, "rec", payload(5000), max_bytes=10)
    verify(store, ref)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),
        (0, 1),
        (CHUNK - 1, CHUNK + 1),
        (CHUNK, 2 * CHUNK),
        (10, 3 * CHUNK + 10),
        (3 * CHUNK + 16, 3 * CHUNK + 17),
        (3 * CHUNK, 3 * CHUNK + 17),
        (5, 5),
        (100, 10 * CHUNK),
        (3 * CHUNK + 17, 3 * CHUNK + 30),
    ],
)
def test_a_range_read_returns_exactly_the_bytes_between_start_and_end(
    store: ObjectStore, start: int, end: int
) -> None:
    data = payload(3 * CHUNK + 17)
    put(store, "r", data)
    assert store.read_range("r", start, end) == data[start:end]


def test_a_range_read_of_an_empty_object_is_empty(store: ObjectStore) -> None:
    put(store, "empty", b"")
    assert store.read_range("empty", 0, 10) == b""


def test_a_negative_or_inverted_range_is_refused(store: ObjectStore) -> None:
    put(store, "r", b"abc")
    with pytest.raises(ValueError, match="invalid byte range"):
        store.read_range("r", -1, 2)
    with pytest.raises(ValueError, match="invalid byte range"):
        store.read_range("r", 2, 1)


def test_a_missing_object_is_reported_as_missing_by_every_read(store: ObjectStore) -> None:
    ref = StoredRef("recordings/none", "0" * 64, 3, "audio/webm")
    with pytest.raises(ObjectMissing, match="recordings/none"):
        store.open(ref.key)
    with pytest.raises(ObjectMissing):
        store.read_range(ref.key, 0, 2)
    with pytest.raises(ObjectMissing):
        verified_chunks(store, ref)
    with pytest.raises(ObjectMissing):
        verify(store, ref)
    assert store.size(ref.key) is None
    assert not store.exists(ref.key)


def test_delete_removes_an_object_and_may_be_repeated(store: ObjectStore) -> None:
    put(store, "a/b", b"x")
    store.delete("a/b")
    store.delete("a/b")
    store.delete("never/there")
    assert not store.exists("a/b")


def test_keys_lists_the_objects_under_a_prefix(store: ObjectStore) -> None:
    for key in ["recordings/1/a.webm", "recordings/2/a.webm", "recordings-old/x", "transcripts/1.json"]:
        put(store, key, b"x")
    assert sorted(store.keys("recordings/")) == ["recordings/1/a.webm", "recordings/2/a.webm"]
    assert sorted(store.keys("recordings")) == [
        "recordings-old/x",
        "recordings/1/a.webm",
        "recordings/2/a.webm",
    ]
    assert len(list(store.keys())) == 4
    assert list(store.keys("nothing/")) == []


@pytest.mark.parametrize(
    "key", ["", "../escape", "a/../../b", "/etc/passwd", "a\\b", "a//b", "./a", "a/", "a\0b"]
)
def test_a_key_that_could_escape_or_mean_two_things_is_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(StorageError, match="object key"):
        put(store, key, b"x")
    with pytest.raises(StorageError, match="object key"):
        store.open(key)
    with pytest.raises(StorageError, match="object key"):
        store.exists(key)
    with pytest.raises(StorageError, match="object key"):
        store.delete(key)


# -- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("replacement", [b"modified transcript text", b"shorter", b"x" * 100])
def test_a_changed_object_under_a_stored_ref_fails_verification(
    store: ObjectStore, replacement: bytes
) -> None:
    ref = put(store, "transcripts/c-1.json", b"original transcript text")
    put(store, ref.key, replacement)
    with pytest.raises(IntegrityError, match=r"transcripts/c-1\.json"):
        verify(store, ref)


def test_an_integrity_error_names_the_key_and_both_digests(store: ObjectStore) -> None:
    ref = put(store, "t", b"original")
    changed = put(store, "t", b"modified")
    with pytest.raises(IntegrityError) as caught:
        verify(store, ref)
    message = str(caught.value)
    assert "'t'" in message
    assert ref.sha256 in message
    assert changed.sha256 in message


def test_verified_chunks_streams_first_and_fails_at_the_end(store: ObjectStore) -> None:
    data = payload(2 * CHUNK + 3)
    ref = put(store, "v", data)
    assert b"".join(verified_chunks(store, ref)) == data
    changed = bytearray(data)
    changed[-1] ^= 1
    put(store, "v", bytes(changed))
    received: list[bytes] = []
    with pytest.raises(IntegrityError, match="sha256"):
        received.extend(verified_chunks(store, ref))
    assert b"".join(received) == bytes(changed)


def test_verified_chunks_stops_as_soon_as_an_object_outgrows_its_ref(store: ObjectStore) -> None:
    ref = put(store, "v", b"short")
    put(store, "v", payload(3 * CHUNK))
    chunks = verified_chunks(store, ref)
    with pytest.raises(IntegrityError, match="longer than recorded"):
        next(chunks)


# -- encryption at rest -------------------------------------------------------------------


def stored(store: EncryptingObjectStore, key: str) -> bytes:
    return b"".join(store.inner.open(key))


def replace_stored(store: EncryptingObjectStore, key: str, raw: bytes) -> None:
    store.inner.put(key, io.BytesIO(raw), content_type="application/octet-stream")


def test_the_stored_bytes_are_a_wje1_envelope_not_the_plaintext(encrypted: EncryptingObjectStore) -> None:
    data = b"\xec\x9b\x90\xea\xb8\x88 \xeb\xb3\xb4\xec\x9e\xa5" * 10_000
    put(encrypted, "rec", data)
    raw = stored(encrypted, "rec")
    assert raw[:5] == b"WJE1\x01"
    assert int.from_bytes(raw[5:9], "big") == CHUNK
    assert data[:64] not in raw
    chunks = -(-len(data) // CHUNK)
    assert len(raw) == HEADER_SIZE + len(data) + 16 * chunks


def test_the_same_plaintext_encrypts_differently_each_time(encrypted: EncryptingObjectStore) -> None:
    put(encrypted, "a", b"same")
    put(encrypted, "b", b"same")
    assert stored(encrypted, "a") != stored(encrypted, "b")


def flip(raw: bytes, at: int) -> bytes:
    changed = bytearray(raw)
    changed[at] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize(
    "where",
    [0, 4, 10, 20, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + CHUNK + 16 + 5, -1],
    ids=["magic", "version", "key-id", "nonce-prefix", "wrapped-key", "chunk-0", "chunk-1", "last-tag"],
)
def test_a_tampered_envelope_fails_with_an_integrity_error(
    encrypted: EncryptingObjectStore, where: int
) -> None:
    ref = put(encrypted, "rec", payload(2 * CHUNK + 100))
    replace_stored(encrypted, "rec", flip(stored(encrypted, "rec"), where))
    with pytest.raises(IntegrityError, match="'rec'"):
        read_all(encrypted, "rec")
    with pytest.raises(IntegrityError):
        verify(encrypted, ref)
    with pytest.raises(IntegrityError):
        encrypted.read_range("rec", 0, ref.size)


def test_a_range_read_decrypts_only_the_chunks_it_needs(encrypted: EncryptingObjectStore) -> None:
    data = payload(3 * CHUNK)
    put(encrypted, "rec", data)
    replace_stored(encrypted, "rec", flip(stored(encrypted, "rec"), HEADER_SIZE + 5))
    assert encrypted.read_range("rec", CHUNK + 1, 2 * CHUNK + 3) == data[CHUNK + 1 : 2 * CHUNK + 3]
    with pytest.raises(IntegrityError, match="chunk 0"):
        encrypted.read_range("rec", CHUNK - 1, CHUNK + 1)


@pytest.mark.parametrize(
    "cut",
    [
        lambda raw: raw[: HEADER_SIZE + 2 * (CHUNK + 16)],
        lambda raw: raw[:-1],
        lambda raw: raw[: HEADER_SIZE + CHUNK],
        lambda raw: raw[:HEADER_SIZE],
        lambda raw: raw[:40],
        lambda raw: b"",
    ],
    ids=["last-chunk-dropped", "last-byte-dropped", "mid-chunk", "header-only", "inside-header", "emptied"],
)
def test_a_truncated_envelope_fails_with_an_integrity_error(
    encrypted: EncryptingObjectStore, cut: Callable[[bytes], bytes]
) -> None:
    ref = put(encrypted, "rec", payload(2 * CHUNK + 100))
    replace_stored(encrypted, "rec", cut(stored(encrypted, "rec")))
    with pytest.raises(IntegrityError):
        read_all(encrypted, "rec")
    with pytest.raises(IntegrityError):
        verify(encrypted, ref)
    with pytest.raises(IntegrityError):
        encrypted.read_range("rec", 0, ref.size)


def test_reordered_chunks_fail_with_an_integrity_error(encrypted: EncryptingObjectStore) -> None:
    put(encrypted, "rec", payload(3 * CHUNK))
    raw = stored(encrypted, "rec")
    sealed = CHUNK + 16
    first, second = (
        raw[HEADER_SIZE : HEADER_SIZE + sealed],
        raw[HEADER_SIZE + sealed : HEADER_SIZE + 2 * sealed],
    )
    replace_stored(encrypted, "rec", raw[:HEADER_SIZE] + second + first + raw[HEADER_SIZE + 2 * sealed :])
    with pytest.raises(IntegrityError, match="chunk 0"):
        read_all(encrypted, "rec")


def test_an_extra_chunk_after_the_final_one_fails_with_an_integrity_error(
    encrypted: EncryptingObjectStore,
) -> None:
    put(encrypted, "rec", payload(CHUNK + 10))
    raw = stored(encrypted, "rec")
    replace_stored(encrypted, "rec", raw + raw[HEADER_SIZE : HEADER_SIZE + CHUNK + 16])
    with pytest.raises(IntegrityError):
        read_all(encrypted, "rec")


def test_an_envelope_moved_to_another_key_cannot_be_decrypted(encrypted: EncryptingObjectStore) -> None:
    put(encrypted, "recordings/c-1", b"customer one")
    replace_stored(encrypted, "recordings/c-2", stored(encrypted, "recordings/c-1"))
    with pytest.raises(IntegrityError, match="moved from another key"):
        read_all(encrypted, "recordings/c-2")


def test_a_wrong_master_key_is_named_as_such(encrypted: EncryptingObjectStore) -> None:
    ref = put(encrypted, "rec", b"secret")
    other = EncryptingObjectStore(encrypted.inner, bytes(32))
    with pytest.raises(IntegrityError, match="different master key"):
        read_all(other, "rec")
    with pytest.raises(IntegrityError, match="different master key"):
        other.read_range("rec", 0, 3)
    with pytest.raises(IntegrityError, match="different master key"):
        verify(other, ref)


def test_a_plaintext_limit_applies_to_encrypted_objects(encrypted: EncryptingObjectStore) -> None:
    assert put(encrypted, "ok", payload(CHUNK), max_bytes=CHUNK).size == CHUNK
    with pytest.raises(ObjectTooLarge):
        put(encrypted, "big", payload(CHUNK + 1), max_bytes=CHUNK)
    assert list(encrypted.keys()) == ["ok"]


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_a_master_key_must_be_exactly_32_bytes(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptingObjectStore(MemoryObjectStore(), b"k" * length)


def test_a_master_key_setting_may_be_hex_or_base64() -> None:
    key = os.urandom(32)
    assert key_from_setting(key.hex()) == key
    assert key_from_setting(key.hex().upper()) == key
    assert key_from_setting(base64.b64encode(key).decode()) == key
    assert key_from_setting(base64.urlsafe_b64encode(key).decode().rstrip("=")) == key
    assert key_from_setting(f"  {key.hex()}\n") == key


@pytest.mark.parametrize(
    "value", ["", "not a key", "ab" * 16, base64.b64encode(b"k" * 16).decode(), "zz" * 32]
)
def test_a_master_key_setting_of_the_wrong_size_or_alphabet_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        key_from_setting(value)


# -- the local folder ---------------------------------------------------------------------


def test_a_local_object_is_a_file_under_the_root(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    put(store, "recordings/c-1/audio.webm", b"RIFF")
    assert (tmp_path / "recordings" / "c-1" / "audio.webm").read_bytes() == b"RIFF"


def test_a_failed_local_put_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    with pytest.raises(ObjectTooLarge):
        put(store, "r/big", payload(300_000), max_bytes=1000)
    with pytest.raises(ConnectionResetError):
        store.put("r/cut", failing(payload(300_000), 100_000), content_type="audio/webm")
    assert leftovers(tmp_path) == []


def test_a_local_put_in_progress_is_invisible_to_keys(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    seen: list[list[str]] = []

    class Watching(io.RawIOBase):
        def __init__(self) -> None:
            self._calls = 0

        def read(self, size: int = -1) -> bytes:
            self._calls += 1
            if self._calls == 2:
                seen.append(list(store.keys()))
                assert leftovers(tmp_path), "the temporary file exists while writing"
            return b"x" * 10 if self._calls < 3 else b""

    store.put("r", cast(BinaryIO, Watching()), content_type="audio/webm")
    assert seen == [[]]
    assert list(store.keys()) == ["r"]


def test_a_local_key_may_not_use_the_temporary_prefix(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="reserved prefix"):
        put(LocalObjectStore(tmp_path), "a/.wjtmp-x", b"x")


def test_a_local_listing_may_not_leave_the_root(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="object key"):
        list(LocalObjectStore(tmp_path / "objects").keys("../"))


def test_an_unwritable_local_root_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(StorageError, match="cannot write"):
        put(LocalObjectStore(tmp_path / "file"), "a", b"x")


# -- the in-memory fake -------------------------------------------------------------------


def test_the_memory_store_takes_concurrent_puts() -> None:
    store = MemoryObjectStore()

    def writer(n: int) -> None:
        for i in range(50):
            put(store, f"t{n}/{i}", payload(100, seed=i))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(list(store.keys())) == 400


# -- sweeping orphans ---------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_sweep_deletes_only_objects_that_are_unreferenced_and_old() -> None:
    clock = Clock()
    store = MemoryObjectStore(clock)
    put(store, "recordings/kept", b"row committed")
    put(store, "recordings/orphan", b"row never committed")
    clock.now += timedelta(hours=2)
    put(store, "recordings/uploading", b"row not committed yet")
    put(store, "transcripts/orphan", b"other prefix")
    referenced = {"recordings/kept"}.__contains__

    swept = sweep_orphans(store, referenced, prefix="recordings/", older_than=timedelta(hours=1))

    assert swept == ["recordings/orphan"]
    assert sorted(store.keys()) == ["recordings/kept", "recordings/uploading", "transcripts/orphan"]


def test_a_dry_run_sweep_reports_without_deleting() -> None:
    store = MemoryObjectStore()
    put(store, "a", b"x")
    assert sweep_orphans(store, lambda key: False, dry_run=True) == ["a"]
    assert store.exists("a")


def test_a_sweep_without_an_age_limit_deletes_every_unreferenced_object() -> None:
    store = MemoryObjectStore()
    for key in ["a", "b", "c"]:
        put(store, key, b"x")
    assert sweep_orphans(store, {"b"}.__contains__) == ["a", "c"]
    assert list(store.keys()) == ["b"]


def test_a_local_sweep_ages_objects_by_their_modification_time(tmp_path: Path) -> None:
    store = EncryptingObjectStore(LocalObjectStore(tmp_path), MASTER)
    put(store, "old", b"x")
    put(store, "new", b"x")
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    os.utime(tmp_path / "old", (two_hours_ago, two_hours_ago))

    assert sweep_orphans(store, lambda key: False, older_than=timedelta(hours=1)) == ["old"]
    assert list(store.keys()) == ["new"]


def test_a_sweep_by_age_refuses_a_store_that_cannot_tell_ages() -> None:
    class Ageless:
        def __init__(self) -> None:
            self._inner = MemoryObjectStore()

        def __getattr__(self, name: str) -> object:
            if name == "age":
                raise AttributeError(name)
            return getattr(self._inner, name)

    with pytest.raises(TypeError, match="cannot tell the age"):
        sweep_orphans(cast(ObjectStore, Ageless()), lambda key: False, older_than=timedelta(hours=1))


def test_the_storage_port_imports_only_the_standard_library_and_the_domain() -> None:
    tree = ast.parse(Path(port.__file__).read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    outside = [
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith(("wanjeon.consultation", "wanjeon.errors", "wanjeon.recording"))
    ]
    assert outside == []
