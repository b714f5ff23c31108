"""What an upload really is (sniffed, not trusted from its name) and HTTP byte ranges."""

from __future__ import annotations

import re

from fastapi import HTTPException

_SIGNATURES: list[tuple[str, bytes, int]] = [
    ("audio/wav", b"WAVE", 8),
    ("audio/flac", b"fLaC", 0),
    ("audio/ogg", b"OggS", 0),
    ("audio/mpeg", b"ID3", 0),
    ("audio/webm", b"\x1a\x45\xdf\xa3", 0),
    ("audio/mp4", b"ftyp", 4),
]


def audio_type(head: bytes) -> str | None:
    """The audio media type of a file from its first bytes, or None (a PDF named .wav is None)."""
    for media, magic, offset in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if media == "audio/wav" and not head.startswith(b"RIFF"):
                continue
            return media
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"
    return None


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` of a single-range ``Range`` header, None for the whole body; 416 if unsatisfiable."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise HTTPException(416, "Range must be a single bytes=start-end range")
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) + 1 if m.group(2) else size
    else:
        start, end = max(0, size - int(m.group(2))), size
    end = min(end, size)
    if start >= size or start >= end:
        raise HTTPException(416, f"Range not satisfiable for {size} bytes")
    return start, end
