"""Encryption at rest for any ``ObjectStore``: a chunked AES-256-GCM envelope.

Each object gets a random 32-byte data key, wrapped by the configured master key, so that
the master key encrypts only 32 bytes per object and can be rotated by re-wrapping. The
plaintext is sealed in 64 KiB chunks so that objects stream in and out and HTTP ranges
decrypt only the chunks they touch. Layout of a stored object (integers big-endian):

    offset  size  field
    0       4     magic  b"WJE1"
    4       1     version  1
    5       4     chunk size in bytes (65536)
    9       8     key id: HMAC-SHA256(master key, "wanjeon master key id")[:8]
    17      8     nonce prefix (random)
    25      12    nonce of the wrapped data key (random)
    37      48    wrapped data key: AES-GCM(master key) of the 32-byte key + 16-byte tag,
                  associated data = bytes 0..25 of this header + the object key (UTF-8)
    85      ...   chunks: AES-GCM(data key) of each plaintext chunk + 16-byte tag, with
                  nonce = nonce prefix ‖ chunk index (uint32) and
                  associated data = chunk index (uint32) ‖ final flag (1 byte)

Every chunk but the last holds exactly one chunk size of plaintext; the last one (the only
one flagged final) holds the rest, possibly nothing. Dropping, reordering or appending
chunks, moving an object to another key, or changing any byte fails authentication and is
reported as ``IntegrityError``; so is a wrong master key, named as such thanks to the key id.
The ``StoredRef`` returned by ``put`` describes the plaintext, which is what the database
keeps and what ``verify`` checks after decryption.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wanjeon.consultation.lifecycle import StoredRef
from wanjeon.recording.storage import (
    Aging,
    IntegrityError,
    ObjectMissing,
    ObjectStore,
    ObjectTooLarge,
    check_key,
    check_range,
)

MAGIC = b"WJE1"
VERSION = 1
PLAIN_CHUNK = 64 * 1024
TAG = 16
_PREFIX = struct.Struct(">4sBI8s8s")  # magic, version, chunk size, key id, nonce prefix
_WRAP_NONCE = 12
_WRAPPED_KEY = 32 + TAG
HEADER_SIZE = _PREFIX.size + _WRAP_NONCE + _WRAPPED_KEY  # 85
_STORED_TYPE = "application/octet-stream"


def key_from_setting(value: str) -> bytes:
    """The 32-byte master key from its setting: 64 hex digits or base64 (standard or URL-safe)."""
    text = value.strip()
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
        padded = text + "=" * (-len(text) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("the master key must be 32 bytes written as 64 hex digits or base64") from None
    if len(key) != 32:
        raise ValueError(f"the master key must be 32 bytes; the setting decodes to {len(key)}")
    return key


def key_id(master_key: bytes) -> bytes:
    """A public 8-byte fingerprint of the master key, to tell a wrong key from tampering."""
    return hmac.new(master_key, b"wanjeon master key id", hashlib.sha256).digest()[:8]


@dataclass(frozen=True, slots=True)
class _Header:
    chunk: int
    nonce_prefix: bytes
    data_key: AESGCM

    @property
    def sealed_chunk(self) -> int:
        return self.chunk + TAG

    def seal(self, index: int, plain: bytes, final: bool) -> bytes:
        return self.data_key.encrypt(self._nonce(index), plain, _chunk_aad(index, final))

    def open(self, key: str, index: int, sealed: bytes, final: bool) -> bytes:
        try:
            return self.data_key.decrypt(self._nonce(index), sealed, _chunk_aad(index, final))
        except InvalidTag:
            raise IntegrityError(
                key, f"chunk {index} failed authentication: the object was altered, truncated or reordered"
            ) from None

    def _nonce(self, index: int) -> bytes:
        return self.nonce_prefix + struct.pack(">I", index)


def _chunk_aad(index: int, final: bool) -> bytes:
    return struct.pack(">IB", index, int(final))


class EncryptingObjectStore:
    """An ``ObjectStore`` that encrypts into ``inner`` and decrypts out of it."""

    def __init__(self, inner: ObjectStore, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError(f"the master key must be exactly 32 bytes, not {len(master_key)}")
        self.inner = inner
        self._master = AESGCM(master_key)
        self._key_id = key_id(master_key)

    # -- writing -------------------------------------------------------------------------

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, max_bytes: int | None = None
    ) -> StoredRef:
        check_key(key)
        data_key = AESGCM.generate_key(bit_length=256)
        prefix = _PREFIX.pack(MAGIC, VERSION, PLAIN_CHUNK, self._key_id, os.urandom(8))
        wrap_nonce = os.urandom(_WRAP_NONCE)
        wrapped = self._master.encrypt(wrap_nonce, data_key, prefix + key.encode())
        header = _Header(PLAIN_CHUNK, prefix[-8:], AESGCM(data_key))
        digest = hashlib.sha256()
        size = 0

        def sealed() -> Iterator[bytes]:
            nonlocal size
            yield prefix + wrap_nonce + wrapped
            index, current = 0, _read_full(stream, PLAIN_CHUNK)
            while True:
                size += len(current)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(key, max_bytes)
                digest.update(current)
                following = _read_full(stream, PLAIN_CHUNK) if len(current) == PLAIN_CHUNK else b""
                yield header.seal(index, current, final=not following)
                if not following:
                    return
                index, current = index + 1, following

        self.inner.put(key, cast(BinaryIO, _IteratorReader(sealed())), content_type=_STORED_TYPE)
        return StoredRef(key=key, sha256=digest.hexdigest(), size=size, content_type=content_type)

    # -- reading -------------------------------------------------------------------------

    def _header(self, key: str, raw: bytes) -> _Header:
        if len(raw) < HEADER_SIZE or raw[:4] != MAGIC:
            raise IntegrityError(key, "not a wanjeon encrypted object (no WJE1 header)")
        _, version, chunk, stored_id, nonce_prefix = _PREFIX.unpack_from(raw)
        if version != VERSION or not 1024 <= chunk <= 16 * 1024 * 1024:
            raise IntegrityError(key, f"unsupported encryption header (version {version}, chunk {chunk})")
        if not hmac.compare_digest(stored_id, self._key_id):
            raise IntegrityError(
                key,
                f"encrypted under a different master key (key id {stored_id.hex()}; "
                f"the configured key's id is {self._key_id.hex()})",
            )
        wrap_nonce = raw[_PREFIX.size : _PREFIX.size + _WRAP_NONCE]
        wrapped = raw[_PREFIX.size + _WRAP_NONCE : HEADER_SIZE]
        try:
            data_key = self._master.decrypt(wrap_nonce, wrapped, raw[: _PREFIX.size] + key.encode())
        except InvalidTag:
            raise IntegrityError(
                key,
                "cannot unwrap the data key: the header was altered, the object was "
                "moved from another key, or the master key is wrong",
            ) from None
        return _Header(chunk, nonce_prefix, AESGCM(data_key))

    def open(self, key: str) -> Iterator[bytes]:
        return self._decrypting(key, self.inner.open(key))

    def _decrypting(self, key: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        buffer = bytearray()
        header: _Header | None = None
        index = 0
        for chunk in chunks:
            buffer += chunk
            if header is None:
                if len(buffer) < HEADER_SIZE:
                    continue
                header = self._header(key, bytes(buffer[:HEADER_SIZE]))
                del buffer[:HEADER_SIZE]
            # Keep the last sealed chunk back: only the end of the stream says it is final.
            while len(buffer) > header.sealed_chunk:
                yield header.open(key, index, bytes(buffer[: header.sealed_chunk]), final=False)
                del buffer[: header.sealed_chunk]
                index += 1
        if header is None:
            raise IntegrityError(key, "truncated inside the encryption header")
        if len(buffer) < TAG:
            raise IntegrityError(key, "truncated: the final chunk is missing")
        plain = header.open(key, index, bytes(buffer), final=True)
        if plain:
            yield plain

    def read_range(self, key: str, start: int, end: int) -> bytes:
        check_range(start, end)
        header = self._header(key, self.inner.read_range(key, 0, HEADER_SIZE))
        total = self._plain_size(key, header.chunk)
        end = min(end, total)
        if start >= end:
            return b""
        first, last = start // header.chunk, (end - 1) // header.chunk
        final_index = max(0, -(-total // header.chunk) - 1)
        sealed = self.inner.read_range(
            key, HEADER_SIZE + first * header.sealed_chunk, HEADER_SIZE + (last + 1) * header.sealed_chunk
        )
        plain = bytearray()
        for index in range(first, last + 1):
            offset = (index - first) * header.sealed_chunk
            piece = sealed[offset : offset + header.sealed_chunk]
            plain += header.open(key, index, piece, final=index == final_index)
        skip = start - first * header.chunk
        return bytes(plain[skip : skip + end - start])

    def size(self, key: str) -> int | None:
        try:
            header = self._header(key, self.inner.read_range(key, 0, HEADER_SIZE))
            return self._plain_size(key, header.chunk)
        except ObjectMissing:
            return None

    def _plain_size(self, key: str, chunk: int) -> int:
        """Plaintext size from the stored size: every sealed chunk adds one tag."""
        stored = self.inner.size(key)
        if stored is None:
            raise ObjectMissing(key)
        body = stored - HEADER_SIZE
        full, rest = divmod(body, chunk + TAG)
        if body <= 0 or 0 < rest < TAG:
            raise IntegrityError(key, f"truncated: {stored} stored bytes cannot hold whole chunks")
        return full * chunk + (rest - TAG if rest else 0)

    # -- the rest is the inner store's ---------------------------------------------------

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.keys(prefix)

    def age(self, key: str) -> timedelta | None:
        """The inner store's age of ``key``; ``None`` if that store cannot tell."""
        return self.inner.age(key) if isinstance(self.inner, Aging) else None


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, shorter only at the end: streams may return short reads."""
    parts: list[bytes] = []
    wanted = size
    while wanted and (part := stream.read(wanted)):
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class _IteratorReader:
    """The ``read`` of a binary stream over an iterator of bytes, for ``inner.put``.

    Exceptions from the iterator (``ObjectTooLarge``, a failing source stream) surface in
    the inner store's ``read`` call, so the inner store discards the partial object.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            rest, self._pending = self._pending + b"".join(self._chunks), b""
            return rest
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return b""
        piece, self._pending = self._pending[:size], self._pending[size:]
        return piece
