"""The similarity port: approximate matching for what exact keys still miss.

Keys absorb the common ASR confusions; other garbling (a dropped or misheard
jamo: 설명서 → 설멍서) is caught, for items that would otherwise be missing, by
comparing jamo strings approximately. A term found only this way makes the item
covered *below* the confidence threshold, so a person listens before it passes.
"""

from __future__ import annotations

import unicodedata
from typing import Protocol


class Similarity(Protocol):
    """Contract: ``partial(needle, haystack)`` is 0–100, 100 when ``needle`` occurs
    in ``haystack`` exactly; it compares the strings as given (callers pass jamo)."""

    def partial(self, needle: str, haystack: str) -> float: ...


def jamo(text: str) -> str:
    """Hangul syllables decomposed into their jamo (보호 → ㅂㅗㅎㅗ), for approximate comparison."""
    return unicodedata.normalize("NFD", text)
