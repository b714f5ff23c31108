"""``ObjectStore`` over the S3 API (AWS S3, MinIO, Ceph, moto) with boto3.

Puts stream: a stream that ends within one part (8 MiB by default) is a single
``PutObject``; a longer one becomes a multipart upload whose parts are sent as they are
read, so memory stays at about two parts whatever the size. S3 makes an object visible
only when ``PutObject`` or ``CompleteMultipartUpload`` succeeds, which gives the port's
atomicity; on any failure, including ``ObjectTooLarge``, the multipart upload is aborted
so that no parts are left to bill. ``sse="AES256"`` (or ``"aws:kms"``) asks S3 to encrypt
at rest, the accepted alternative to ``EncryptingObjectStore`` on S3.

Backend failures surface as ``StorageError`` naming the bucket and key.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, BinaryIO

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from wanjeon.consultation.lifecycle import StoredRef
from wanjeon.recording.storage import (
    CHUNK_SIZE,
    ChunkStream,
    ObjectMissing,
    ObjectTooLarge,
    StorageError,
    check_key,
    check_range,
)

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3 refuses multipart parts smaller than this, except the last one."""

_MISSING = {"404", "NoSuchKey", "NotFound"}
_SSE = {"AES256", "aws:kms"}


class S3ObjectStore:
    """Objects in one S3 bucket; ``client`` (a boto3 S3 client) replaces the built one.

    ``part_size`` is the multipart part size (and the memory a put holds); at the default
    8 MiB, S3's 10,000-part limit allows objects up to 78 GiB. ``list_page_size`` is how
    many keys one ``ListObjectsV2`` call returns (S3 caps it at 1,000).
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        sse: str | None = None,
        client: Any = None,
        part_size: int = 8 * 1024 * 1024,
        list_page_size: int = 1000,
    ) -> None:
        if sse is not None and sse not in _SSE:
            raise ValueError(f"sse must be one of {sorted(_SSE)} or None, not {sse!r}")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (an S3 limit)")
        self.bucket = bucket
        self.sse = sse
        self.part_size = part_size
        self.list_page_size = list_page_size
        if client is None:
            # Path-style addressing: custom endpoints (MinIO, moto, an IP) have no bucket DNS names.
            config = Config(
                signature_version="s3v4",
                retries={"max_attempts": 5, "mode": "standard"},
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            )
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )
        self.client = client
        checksums = getattr(client.meta.config, "request_checksum_calculation", None)
        # As s3transfer does: when boto3 adds checksums, multipart parts must name the algorithm.
        self._part_checksum = "CRC32" if checksums == "when_supported" else None

    def _fail(self, key: str, action: str, error: Exception) -> StorageError:
        return StorageError(f"cannot {action} s3://{self.bucket}/{key}: {error}")

    # -- writing -------------------------------------------------------------------------

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, max_bytes: int | None = None
    ) -> StoredRef:
        check_key(key)
        digest = hashlib.sha256()
        size = 0

        def next_part() -> bytes:
            nonlocal size
            part = bytearray()
            while len(part) < self.part_size:
                chunk = stream.read(min(CHUNK_SIZE, self.part_size - len(part)))
                if not chunk:
                    break
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise ObjectTooLarge(key, max_bytes)
                digest.update(chunk)
                part += chunk
            return bytes(part)

        extra: dict[str, str] = {"ContentType": content_type}
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        first = next_part()
        second = next_part() if len(first) == self.part_size else b""
        try:
            if second:
                self._multipart(key, itertools.chain([first, second], iter(next_part, b"")), extra)
            else:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=first, **extra)
        except (ClientError, BotoCoreError) as error:
            raise self._fail(key, "write", error) from error
        return StoredRef(key=key, sha256=digest.hexdigest(), size=size, content_type=content_type)

    def _multipart(self, key: str, parts: Iterator[bytes], extra: dict[str, str]) -> None:
        checksum = {"ChecksumAlgorithm": self._part_checksum} if self._part_checksum else {}
        upload = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra, **checksum)
        where = {"Bucket": self.bucket, "Key": key, "UploadId": upload["UploadId"]}
        try:
            done = []
            for number, body in enumerate(parts, start=1):
                sent = self.client.upload_part(**where, PartNumber=number, Body=body, **checksum)
                part = {"ETag": sent["ETag"], "PartNumber": number}
                member = f"Checksum{self._part_checksum}"
                if self._part_checksum and member in sent:
                    part[member] = sent[member]
                done.append(part)
            self.client.complete_multipart_upload(**where, MultipartUpload={"Parts": done})
        except BaseException:
            with contextlib.suppress(ClientError, BotoCoreError):
                self.client.abort_multipart_upload(**where)
            raise

    # -- reading -------------------------------------------------------------------------

    def _get(self, key: str, **options: str) -> Any:
        """``GetObject``; ``None`` only when a ``Range`` starts past the end (HTTP 416)."""
        check_key(key)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key, **options)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(key) from None
            if _code(error) == "InvalidRange":
                return None
            raise self._fail(key, "read", error) from error
        except BotoCoreError as error:
            raise self._fail(key, "read", error) from error

    def open(self, key: str) -> Iterator[bytes]:
        body = self._get(key)["Body"]  # never None: there is no Range
        return ChunkStream(self._guarded(key, body.read), body.close)

    def _guarded(self, key: str, read: Callable[[int], bytes]) -> Callable[[int], bytes]:
        def guarded(amount: int) -> bytes:
            try:
                return read(amount)
            except (BotoCoreError, OSError) as error:
                raise self._fail(key, "read", error) from error

        return guarded

    def read_range(self, key: str, start: int, end: int) -> bytes:
        check_range(start, end)
        if start == end:
            if not self.exists(key):
                raise ObjectMissing(key)
            return b""
        response = self._get(key, Range=f"bytes={start}-{end - 1}")
        if response is None:
            return b""
        body = response["Body"]
        try:
            data: bytes = self._guarded(key, body.read)(end - start)
        finally:
            body.close()
        return data

    def _head(self, key: str) -> dict[str, Any] | None:
        check_key(key)
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise self._fail(key, "inspect", error) from error
        except BotoCoreError as error:
            raise self._fail(key, "inspect", error) from error
        return head

    def size(self, key: str) -> int | None:
        head = self._head(key)
        return None if head is None else int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def age(self, key: str) -> timedelta | None:
        """Time since S3's ``LastModified`` of ``key``."""
        head = self._head(key)
        if head is None:
            return None
        modified: datetime = head["LastModified"]
        return datetime.now(UTC) - modified

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise self._fail(key, "delete", error) from error

    def keys(self, prefix: str = "") -> Iterator[str]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.list_page_size}
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield str(item["Key"])
        except (ClientError, BotoCoreError) as error:
            raise self._fail(prefix + "*", "list", error) from error

    # -- setup ---------------------------------------------------------------------------

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (the embedded and development setups)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as error:
            if _code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise StorageError(f"cannot inspect bucket {self.bucket}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"cannot reach bucket {self.bucket}: {error}") from error
        region = self.client.meta.region_name
        options: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**options)
        except ClientError as error:
            if _code(error) not in {"BucketAlreadyOwnedByYou"}:
                raise StorageError(f"cannot create bucket {self.bucket}: {error}") from error
        except BotoCoreError as error:
            raise StorageError(f"cannot create bucket {self.bucket}: {error}") from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
