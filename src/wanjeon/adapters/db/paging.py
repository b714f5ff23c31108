"""Keyset pagination of consultation lists, shared by the SQL adapter and the in-memory fake.

Lists are newest first by ``(created_at, id)``. The cursor is the position of the last
item served, base64url-encoded so that clients treat it as opaque; because it names a
position and not an offset, rows created while a client pages never cause duplicates
or gaps among the rows that existed when it started.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from wanjeon.errors import InputError

MAX_LIMIT = 200


def clamp_limit(limit: int) -> int:
    """At least one row, at most ``MAX_LIMIT``: a client cannot ask for the whole table."""
    return max(1, min(limit, MAX_LIMIT))


def encode_cursor(created_at: datetime, consultation_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), consultation_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor names; anything not issued by ``encode_cursor`` is an ``InputError``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, consultation_id = json.loads(raw)
        created_at = datetime.fromisoformat(at)
        if created_at.tzinfo is None or not isinstance(consultation_id, str):
            raise ValueError(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise InputError("", "cursor", "not a cursor from a previous page of this list") from exc
    return created_at, consultation_id
