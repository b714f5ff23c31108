"""Object storage for recordings and transcripts: the port, its errors and the in-memory fake.

The database keeps a ``StoredRef`` (key, sha256, size, content type) for every object
it relies on; the bytes live in an ``ObjectStore`` (a local folder, S3, either of them
wrapped in encryption). Because storage can change behind the database's back, every
read that matters goes through ``verified_chunks``/``verify``: a changed or missing
object is reported as ``IntegrityError``/``ObjectMissing``, never served silently.

    WanjeonError
    └── StorageError          the store failed or refused (bad key, backend down)
        ├── ObjectMissing     nothing under the key
        ├── ObjectTooLarge    a put exceeded its ``max_bytes``; nothing was stored
        └── IntegrityError    the bytes are not the ones that were stored

Keys are ``/``-separated relative paths such as ``recordings/<id>/audio.webm``; the
same key is valid in every store (see ``check_key``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO, Protocol, runtime_checkable

from wanjeon.consultation.lifecycle import StoredRef
from wanjeon.errors import WanjeonError

CHUNK_SIZE = 64 * 1024
"""How much stores read or yield at a time: large enough for throughput, small enough to stream."""


class StorageError(WanjeonError):
    """The object store failed or refused the request."""


class ObjectMissing(StorageError):
    """No object under ``key`` (never stored, deleted, or lost by the backend)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"object {key!r} is missing from the store")


class ObjectTooLarge(StorageError):
    """A stream exceeded the ``max_bytes`` of its put; nothing was stored under ``key``."""

    def __init__(self, key: str, limit: int) -> None:
        self.key = key
        self.limit = limit
        super().__init__(f"object {key!r} exceeds the limit of {limit} bytes; nothing was stored")


class IntegrityError(StorageError):
    """The stored bytes are not the ones recorded: changed, truncated, or undecryptable."""

    def __init__(
        self, key: str, reason: str, *, expected: str | None = None, actual: str | None = None
    ) -> None:
        self.key = key
        self.reason = reason
        self.expected = expected
        self.actual = actual
        detail = f" (expected {expected}, actual {actual})" if expected is not None else ""
        super().__init__(f"object {key!r} failed its integrity check: {reason}{detail}")


class ObjectStore(Protocol):
    """Named byte objects, streamed in and out; the contract every adapter meets.

    - ``put`` reads ``stream`` to its end in chunks, hashing the plaintext as it goes, and
      returns the ``StoredRef`` the database should keep. It is atomic: until it returns,
      readers see the previous object under ``key`` (or none), never a partial one; on any
      failure (the stream raising, ``ObjectTooLarge`` once more than ``max_bytes`` were
      read) nothing new is left behind.
    - ``open`` returns an iterator of plaintext chunks; ``ObjectMissing`` is raised by the
      call itself, not by the first ``next``.
    - ``read_range(key, start, end)`` returns plaintext bytes ``[start, end)``; ``end`` past
      the end of the object is clamped (so a range starting at or past it is ``b""``);
      ``ValueError`` if ``start < 0`` or ``end < start``. This serves HTTP Range requests.
    - ``size`` and ``exists`` answer without reading the object; ``None``/``False`` if absent.
    - ``delete`` is idempotent; ``keys`` lists keys starting with ``prefix``, in no set order.

    Every method raises ``StorageError`` for a key that ``check_key`` refuses.
    """

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, max_bytes: int | None = None
    ) -> StoredRef:
        """Store ``stream`` under ``key`` atomically; return its plaintext digest and size."""
        ...

    def open(self, key: str) -> Iterator[bytes]:
        """Iterate over the plaintext of ``key`` in chunks."""
        ...

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Plaintext bytes ``[start, end)`` of ``key``."""
        ...

    def size(self, key: str) -> int | None:
        """Plaintext size of ``key``, or ``None`` if absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; removing an absent key is not an error."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key that starts with ``prefix``."""
        ...


@runtime_checkable
class Aging(Protocol):
    """A store that knows how long ago each object was written (for ``sweep_orphans``)."""

    def age(self, key: str) -> timedelta | None:
        """Time since ``key`` was last written, or ``None`` if absent."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that could escape a folder or mean different things in different stores."""
    if not key or len(key) > 1024:
        raise StorageError(f"object key {key!r} must have between 1 and 1024 characters")
    if key.startswith("/") or "\\" in key or "\0" in key:
        raise StorageError(f"object key {key!r} must be a relative path with '/' separators")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise StorageError(f"object key {key!r} must not contain empty, '.' or '..' segments")
    return key


def check_range(start: int, end: int) -> None:
    """The argument check shared by every ``read_range``."""
    if start < 0 or end < start:
        raise ValueError(f"invalid byte range [{start}, {end})")


def verified_chunks(store: ObjectStore, ref: StoredRef) -> Iterator[bytes]:
    """Chunks of ``ref.key``, raising ``IntegrityError`` if they differ from ``ref``.

    The size is checked as the chunks arrive and the digest after the last one, so a
    streaming response can abort instead of completing with wrong bytes. ``ObjectMissing``
    is raised by this call itself.
    """
    return _verifying(store.open(ref.key), ref)


def _verifying(chunks: Iterator[bytes], ref: StoredRef) -> Iterator[bytes]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > ref.size:
            raise IntegrityError(
                ref.key,
                "the object is longer than recorded",
                expected=f"{ref.size} bytes",
                actual=f"more than {ref.size} bytes",
            )
        digest.update(chunk)
        yield chunk
    if size != ref.size:
        raise IntegrityError(
            ref.key,
            "the object is shorter than recorded",
            expected=f"{ref.size} bytes",
            actual=f"{size} bytes",
        )
    if digest.hexdigest() != ref.sha256:
        raise IntegrityError(
            ref.key,
            "the sha256 digest differs",
            expected=f"sha256 {ref.sha256}",
            actual=f"sha256 {digest.hexdigest()}",
        )


def verify(store: ObjectStore, ref: StoredRef) -> None:
    """Read ``ref.key`` to its end and raise ``IntegrityError`` unless it matches ``ref``."""
    for _ in verified_chunks(store, ref):
        pass


class ChunkStream(Iterator[bytes]):
    """Chunks from an open resource, closed at the end, on ``close()`` or when dropped.

    Stores open eagerly (so that ``open`` itself reports a missing object) and hand the
    open handle to this class, so that an iterator abandoned before its first ``next``
    still releases its file or connection.
    """

    def __init__(self, read: Callable[[int], bytes], close: Callable[[], None]) -> None:
        self._read = read
        self._close: Callable[[], None] | None = close

    def __next__(self) -> bytes:
        if self._close is None:
            raise StopIteration
        chunk = self._read(CHUNK_SIZE)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def __del__(self) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class _Entry:
    data: bytes
    content_type: str
    written_at: datetime


class MemoryObjectStore:
    """A dict-backed ``ObjectStore`` for unit tests and the embedded default; thread-safe.

    ``clock`` drives ``age`` so that sweeping can be tested without sleeping.
    """

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._objects: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, max_bytes: int | None = None
    ) -> StoredRef:
        check_key(key)
        digest = hashlib.sha256()
        parts: list[bytes] = []
        size = 0
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                raise ObjectTooLarge(key, max_bytes)
            digest.update(chunk)
            parts.append(chunk)
        with self._lock:
            self._objects[key] = _Entry(b"".join(parts), content_type, self._clock())
        return StoredRef(key=key, sha256=digest.hexdigest(), size=size, content_type=content_type)

    def _get(self, key: str) -> bytes:
        check_key(key)
        with self._lock:
            entry = self._objects.get(key)
        if entry is None:
            raise ObjectMissing(key)
        return entry.data

    def open(self, key: str) -> Iterator[bytes]:
        data = self._get(key)
        return iter([data[i : i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)])

    def read_range(self, key: str, start: int, end: int) -> bytes:
        check_range(start, end)
        return self._get(key)[start:end]

    def size(self, key: str) -> int | None:
        check_key(key)
        with self._lock:
            entry = self._objects.get(key)
        return None if entry is None else len(entry.data)

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        check_key(key)
        with self._lock:
            self._objects.pop(key, None)

    def keys(self, prefix: str = "") -> Iterator[str]:
        with self._lock:
            found = [key for key in self._objects if key.startswith(prefix)]
        return iter(found)

    def age(self, key: str) -> timedelta | None:
        check_key(key)
        with self._lock:
            entry = self._objects.get(key)
        return None if entry is None else self._clock() - entry.written_at
