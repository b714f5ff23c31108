"""The one interchange type for speech: an utterance flows unchanged from speech
recognition through judgment to the pages (style.md, rule 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float | None = None
    end: float | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Utterance:
    """One turn (or part of one), in conversation order. Times are seconds or None."""

    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None
    words: tuple[Word, ...] = ()
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    segments: tuple[Utterance, ...]
    language: str = "ko"
    metadata: dict[str, str] = field(default_factory=dict)
