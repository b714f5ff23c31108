"""Readers for every transcript format a bank can hand us: JSON/YAML, plain text, WebVTT, SRT.

Recordings reach wanjeon from many systems (STT vendors, video-call archives, hand-typed
notes), so each format is accepted in the form those systems really write; but a line that
cannot be understood is an error naming its line, never skipped, because a dropped
utterance can hide exactly the sentence a verification turns on. Everything here is pure
(text in, ``Transcript`` out); file access and its limits live in ``loader``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from wanjeon.adapters.files.schemas import (
    SPEAKER_ALIASES,
    TranscriptFile,
    first_problem,
    parse_speaker,
    shorten,
    type_name,
)
from wanjeon.errors import TranscriptError
from wanjeon.transcript.model import Speaker, Transcript, Utterance

Format = Literal["json", "yaml", "text", "vtt", "srt"]
EXTENSIONS: dict[str, Format] = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".txt": "text",
    ".vtt": "vtt",
    ".srt": "srt",
}
#: Longest line accepted in a line-based transcript; real utterances are far shorter, and a
#: runaway line (a binary blob, a missing newline convention) would only slow every matcher.
MAX_LINE_BYTES = 1024 * 1024

_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s.*)?$")
_COLON = re.compile("[:：]")
_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>")
_PREFIX = re.compile(r"^\s*([^:：<>]{1,20}?)\s*[:：]")
_TAG = re.compile(r"<[^>]*>")
_SPEAKER_HELP = "agent, customer, unknown, 직원, 상담원, PB, 행원, 고객"


def detect_format(path: Path, head: bytes) -> Format:
    """Trust the extension; sniff the first bytes only when it says nothing (``.log``, none)."""
    known = EXTENSIONS.get(path.suffix.lower())
    if known:
        return known
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    first_lines = text.splitlines()[:2]
    if text.startswith("WEBVTT"):
        return "vtt"
    if text[:1] in ("{", "["):
        return "json"
    if first_lines and (
        _TIMING.match(first_lines[0])
        or (len(first_lines) == 2 and first_lines[0].strip().isdigit() and _TIMING.match(first_lines[1]))
    ):
        return "srt"
    if re.match(r"(language|segments)\s*:|- ", text):
        return "yaml"
    return "text"


def check_line_lengths(raw: bytes, source: str) -> None:
    """Refuse a runaway line before any regex sees it (measured in bytes, as the limit is)."""
    lengths = [len(line) for line in raw.split(b"\n")]
    if max(lengths, default=0) > MAX_LINE_BYTES:
        number = next(n for n, length in enumerate(lengths, 1) if length > MAX_LINE_BYTES)
        raise TranscriptError(source, "", f"line {number} is longer than 1 MB")


def transcript_from_data(data: object, source: str, prefix: str = "") -> Transcript:
    """Validate parsed JSON/YAML; a bare list is taken as the segments (what many STT tools emit)."""
    if isinstance(data, list):
        data = {"segments": data}
    if not isinstance(data, dict):
        raise TranscriptError(
            source,
            prefix,
            f"expected a mapping with 'segments' or a list of segments, got {type_name(data)}",
        )
    try:
        return TranscriptFile.model_validate(data).to_domain()
    except ValidationError as error:
        field, reason = first_problem(error, prefix)
        raise TranscriptError(source, field, reason) from error


def read_text_transcript(text: str, fmt: Format, source: str) -> Transcript:
    """Parse a line-based transcript (``text``, ``vtt`` or ``srt``)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if fmt == "vtt":
        return _read_vtt(lines, source)
    if fmt == "srt":
        return _read_cues(list(_blocks(lines)), source, "ko")
    if fmt == "text":
        return _read_plain(lines, source)
    raise TranscriptError(source, "", f"{fmt} is not a line-based transcript format")


def _utterance(
    speaker: Speaker, text: str, start: float | None, end: float | None, index: int, line: int, source: str
) -> Utterance:
    cleaned = text.strip()
    if not cleaned:
        raise TranscriptError(source, f"segments[{index}].text", f"text is empty (line {line})")
    return Utterance(speaker, cleaned, start, end)


def _finish(segments: list[Utterance], source: str, language: str) -> Transcript:
    if not segments:
        raise TranscriptError(source, "segments", "the transcript has no segments")
    return Transcript(tuple(segments), language)


def _read_plain(lines: list[str], source: str) -> Transcript:
    segments: list[Utterance] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        colon = _COLON.search(line)
        if colon is None:
            raise TranscriptError(
                source, "", f"line {number}: expected 'SPEAKER: text', got {shorten(line.strip())}"
            )
        label = line[: colon.start()].strip()
        speaker = SPEAKER_ALIASES.get(label.lower())
        if speaker is None:
            raise TranscriptError(
                source,
                "",
                f"line {number}: unknown speaker {shorten(label)}; expected one of {_SPEAKER_HELP}",
            )
        segments.append(_utterance(speaker, line[colon.end() :], None, None, len(segments), number, source))
    return _finish(segments, source, "ko")


def _blocks(lines: list[str]) -> Iterator[list[tuple[int, str]]]:
    """Group numbered lines into blank-line-separated blocks, as both cue formats are built."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            block.append((number, line.rstrip()))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _read_vtt(lines: list[str], source: str) -> Transcript:
    blocks = list(_blocks(lines))
    if not blocks or not re.match(r"\ufeff?WEBVTT(?:[ \t]|$)", blocks[0][0][1]):
        raise TranscriptError(source, "", "line 1: a WebVTT file must start with 'WEBVTT'")
    language = "ko"
    for number, line in blocks[0][1:]:
        if "-->" in line:
            raise TranscriptError(
                source, "", f"line {number}: a blank line must separate the WEBVTT header from the first cue"
            )
        key, _, value = line.partition(":")
        if key.strip().lower() == "language" and value.strip():
            language = value.strip()
    cues = [block for block in blocks[1:] if not re.match(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)", block[0][1])]
    return _read_cues(cues, source, language)


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    return round(int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000, 3)


def _read_cues(cues: list[list[tuple[int, str]]], source: str, language: str) -> Transcript:
    """WebVTT and SRT cues: an optional identifier, a timing line, then the payload lines."""
    segments: list[Utterance] = []
    for cue in cues:
        at = 1 if len(cue) > 1 and "-->" not in cue[0][1] else 0
        number, timing = cue[at]
        match = _TIMING.match(timing)
        if match is None:
            raise TranscriptError(
                source,
                "",
                f"line {number}: expected a cue timing like '00:00:01.000 --> 00:00:04.000', "
                f"got {shorten(timing.strip())}",
            )
        start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
        if end < start:
            raise TranscriptError(
                source,
                f"segments[{len(segments)}].end",
                f"end ({end}) is before start ({start}) (line {number})",
            )
        payload = cue[at + 1 :] or [(number, "")]
        for speaker, text, line in _turns(payload, len(segments), source):
            segments.append(_utterance(speaker, text, start, end, len(segments), line, source))
    return _finish(segments, source, language)


def _turns(payload: list[tuple[int, str]], index: int, source: str) -> Iterator[tuple[Speaker, str, int]]:
    """Split a cue's payload into turns: each ``<v …>`` or ``직원:`` line starts a new one."""
    speaker, parts, first_line = Speaker.UNKNOWN, list[str](), payload[0][0]
    for number, line in payload:
        marker, rest = _speaker_marker(line, index, number, source)
        if marker is not None and parts:
            yield speaker, " ".join(parts), first_line
            index, parts = index + 1, []
        if marker is not None:
            speaker, first_line = marker, number
        text = html.unescape(_TAG.sub("", rest)).strip()
        if text:
            parts.append(text)
    yield speaker, " ".join(parts), first_line


def _speaker_marker(line: str, index: int, number: int, source: str) -> tuple[Speaker | None, str]:
    voice = _VOICE.match(line)
    if voice:
        try:
            return parse_speaker(voice.group(1) or ""), line[voice.end() :]
        except PydanticCustomError as error:
            raise TranscriptError(
                source, f"segments[{index}].speaker", f"{error.message()} (line {number})"
            ) from error
    prefix = _PREFIX.match(_TAG.sub("", line))
    if prefix and (speaker := SPEAKER_ALIASES.get(prefix.group(1).strip().lower())):
        return speaker, _TAG.sub("", line)[prefix.end() :]
    return None, line
