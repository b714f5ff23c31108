"""``ObjectStore`` over a local folder: the default for a single-machine deployment.

Each key is a file under ``root``. A put writes a hidden temporary file in the target's
own folder, fsyncs it and renames it over the key (``os.replace`` is atomic within one
file system), then fsyncs the folder so that the rename survives a crash. Readers thus
see the old object or the new one, never half of one; temporary files left by a crash
are invisible to ``keys`` and may be removed by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

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

_TEMP_PREFIX = ".wjtmp-"


class LocalObjectStore:
    """Objects as files under ``root`` (created on the first put)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        check_key(key)
        if any(part.startswith(_TEMP_PREFIX) for part in key.split("/")):
            raise StorageError(f"object key {key!r} uses the reserved prefix {_TEMP_PREFIX!r}")
        return self.root.joinpath(*key.split("/"))

    def put(
        self, key: str, stream: BinaryIO, *, content_type: str, max_bytes: int | None = None
    ) -> StoredRef:
        path = self._path(key)
        with _writing(key, self.root):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX, suffix=".part")
        temp = Path(temp_name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                # The source's own errors (a client hanging up) propagate unchanged.
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise ObjectTooLarge(key, max_bytes)
                    digest.update(chunk)
                    with _writing(key, self.root):
                        out.write(chunk)
                with _writing(key, self.root):
                    out.flush()
                    os.fsync(out.fileno())
            with _writing(key, self.root):
                os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_folder(path.parent)
        return StoredRef(key=key, sha256=digest.hexdigest(), size=size, content_type=content_type)

    def open(self, key: str) -> Iterator[bytes]:
        handle = self._open(key)
        return ChunkStream(handle.read, handle.close)

    def _open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectMissing(key) from None
        except OSError as error:
            raise StorageError(f"cannot read object {key!r}: {error}") from error

    def read_range(self, key: str, start: int, end: int) -> bytes:
        check_range(start, end)
        with self._open(key) as handle:
            handle.seek(start)
            return handle.read(end - start)

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            path.unlink()

    def keys(self, prefix: str = "") -> Iterator[str]:
        # Walk only the folder the prefix names, not the whole tree (nor outside it).
        named = prefix.rpartition("/")[0]
        folder = self._path(named) if named else self.root
        for current, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith(_TEMP_PREFIX))
            for name in sorted(files):
                if name.startswith(_TEMP_PREFIX):
                    continue
                key = Path(current, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def age(self, key: str) -> timedelta | None:
        """Time since the object's file was last written (its mtime)."""
        try:
            mtime = self._path(key).stat().st_mtime
        except (FileNotFoundError, NotADirectoryError):
            return None
        return datetime.now(UTC) - datetime.fromtimestamp(mtime, UTC)


@contextlib.contextmanager
def _writing(key: str, root: Path) -> Iterator[None]:
    """Report the file system's refusals (disk full, permissions) as ``StorageError``."""
    try:
        yield
    except OSError as error:
        raise StorageError(f"cannot write object {key!r} under {root}: {error}") from error


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable; some platforms cannot open folders, which is fine there."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
