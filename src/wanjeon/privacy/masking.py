"""Masking of personal data in what wanjeon stores, shows, indexes and logs.

Resident registration numbers (주민등록번호), mobile numbers, card numbers and bank
account numbers are replaced digit by digit with ``*``. Nothing else moves: separators,
particles and every other character stay where they were, so ``len(masked) ==
len(original)`` and the evidence offsets that point into a transcript remain right.

Numbers come written (``010-1234-5678``) or, from speech recognition, spoken as digit
syllables (``공일공 일이삼사 오육칠팔``). Both are read the same way:

1. *groups*: maximal runs of written digits, or of spoken digit syllables
   (영/공/빵 일 이 삼 사 오 육 칠 팔 구) that stand as a word rather than inside one
   (``이율``, ``영업``, ``예금보험공사`` are words, not digits);
2. *runs*: groups joined by a separator (spaces, ``-``, ``.``, ``다시``, ``에`` …);
3. the leftmost, longest stretch of a run whose shape is personal data wins.

Shapes are strict on purpose: a card is 16 digits (15 for Amex), a resident number 13
(a valid YYMMDD first unless written ``######-#######``), or its 7-digit back part said
after 뒷자리; a mobile ``010`` and 8 digits (``011``/``016``–``019`` and 7 or 8); an
account 10–14 digits either hyphenated like a bank prints it or said within a few
characters after 계좌/통장/은행. A birth date alone, amounts, rates, dates, times and
short numbers never have those shapes and stay as they are.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from wanjeon.transcript.model import Transcript

MASK = "*"

_SPOKEN = {
    "영": "0", "공": "0", "빵": "0", "일": "1", "이": "2", "삼": "3",
    "사": "4", "오": "5", "육": "6", "칠": "7", "팔": "8", "구": "9",
}  # fmt: skip
_WRITTEN = {**{str(d): str(d) for d in range(10)}, **{chr(0xFF10 + d): str(d) for d in range(10)}}
_GROUP = re.compile("[0-9０-９]+|[" + "".join(_SPOKEN) + "]+")
# Between two groups: blanks around at most one separator mark or word. No newline, so
# numbers on different lines never join; a comma only joins spoken groups (written
# commas are thousands separators of amounts).
_GAP = re.compile(r"[^\S\n]*(?:(?:다시|대시|하이픈|에|의|[-‐‑‒–—―－.·,])[^\S\n]*)?")
# A run of one or two digit syllables glued to more Hangul is read as digits only before
# a particle or copula (``칠 팔이요``, ``이 번이에요``); in 이율, 영업, 오후 it is a word.
_PARTICLE_STARTS = frozenset("요번입인예에의까고은는가을를로으랑하며면도만죠라다")
# Written digits followed by one of these count something (money, time, a date).
_UNITS = frozenset("원만억천백조%년월일시분초개명회배세")
_ACCOUNT_CUE = re.compile(r"계좌|통장|은행|뱅크|입금|이체|account", re.IGNORECASE)
_BACK_PART_CUE = re.compile(r"뒷\s?자리|뒷\s?번호|뒤\s?(?:7|일곱)\s?자리")
_CARD_SHAPES = ([4, 4, 4, 4], [16], [4, 6, 5], [15])  # 15: American Express
# 010 numbers have 8 digits after the prefix; the older 011/016–019 ones 7 or 8.
_MOBILE = re.compile(r"010[0-9]{8}|01[16789][0-9]{7,8}")
_HYPHENS = frozenset("-‐‑‒–—―－")
_CUE_WINDOW = 20
_MAX_GROUPS = 20
# The shortest personal data is 7 digits (a resident number's back part after 뒷자리), and
# the digits of one run are joined only by _GAP. Text without seven digit characters so
# joined holds none, and most text (log lines, ids, ordinary talk) is ruled out by this one
# search instead of the group-by-group reading below.
_DIGIT_CHAR = "[0-9０-９" + "".join(_SPOKEN) + "]"
_MIN_DIGITS = 7
_MAY_HOLD = re.compile(f"{_DIGIT_CHAR}(?:(?:{_GAP.pattern}){_DIGIT_CHAR}){{{_MIN_DIGITS - 1}}}")


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: ``kind`` is ``rrn``, ``mobile``, ``card`` or ``account``;
    ``text[start:end]`` runs from its first masked character to its last."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Group:
    start: int
    end: int
    digits: str
    spoken: bool


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str
    spans: tuple[tuple[int, int], ...]  # the digit characters to mask

    def finding(self) -> Finding:
        return Finding(self.kind, self.spans[0][0], self.spans[-1][1])


def find_personal_data(text: str) -> list[Finding]:
    """Every resident, mobile, card and account number in ``text``, in text order."""
    return [hit.finding() for hit in _hits(text)]


def mask_text(text: str) -> str:
    """``text`` with each digit of its personal data replaced by ``*``; same length."""
    chars = list(text)
    for hit in _hits(text):
        for start, end in hit.spans:
            chars[start:end] = MASK * (end - start)
    return "".join(chars)


def mask_transcript(transcript: Transcript) -> Transcript:
    """The transcript with utterance and word texts masked.

    Segments, and words, are read as one text joined by spaces, because speech
    recognition cuts a number where the speaker pauses (``공일공 일이삼사`` | ``오육칠팔``).
    ``metadata`` is left alone: it holds identifiers that other records join on.
    """
    texts = iter(_mask_joined([u.text for u in transcript.segments]))
    words = iter(_mask_joined([w.text for u in transcript.segments for w in u.words]))
    segments = tuple(
        replace(u, text=next(texts), words=tuple(replace(w, text=next(words)) for w in u.words))
        for u in transcript.segments
    )
    return replace(transcript, segments=segments)


def mask_report_dict(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``Report.to_dict()`` output with every ``text`` and ``matched`` masked.

    Keys, numbers and offsets are untouched. A ``matched`` that quotes its sibling
    ``text`` is cut from the masked text, so that both show the same stars even when
    the quote alone (``5678``) would not look like personal data.
    """
    return _mask_mapping(report)


class MaskingLogFilter(logging.Filter):
    """Masks personal data in log messages before any handler writes them.

    Attach it to handlers (``handler.addFilter(MaskingLogFilter())``): the message and
    each string argument are masked in place.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # Arguments are masked one by one rather than merged into the message, because
        # formatters such as uvicorn's access log unpack them by position.
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def _mask_joined(texts: Sequence[str]) -> list[str]:
    masked = mask_text(" ".join(texts))
    out, at = [], 0
    for text in texts:
        out.append(masked[at : at + len(text)])
        at += len(text) + 1
    return out


def _mask_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _mask_mapping(value)
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_mask_value(v) for v in value)
    return value


def _mask_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    out = {key: _mask_value(value) for key, value in mapping.items()}
    text = mapping.get("text")
    if isinstance(text, str):
        out["text"] = mask_text(text)
    matched = mapping.get("matched")
    if isinstance(matched, str):
        at = text.find(matched) if isinstance(text, str) and matched else -1
        out["matched"] = out["text"][at : at + len(matched)] if at >= 0 else mask_text(matched)
    return out


def _hits(text: str) -> list[_Hit]:
    if _MAY_HOLD.search(text) is None:
        return []
    hits: list[_Hit] = []
    for run in _runs(text):
        hits.extend(_scan_run(text, run))
    return hits


def _runs(text: str) -> list[list[_Group]]:
    """Groups of digits chained by separators, in text order."""
    runs: list[list[_Group]] = []
    current: list[_Group] = []
    for m in _GROUP.finditer(text):
        spoken = m.group()[0] in _SPOKEN
        if spoken and not _stands_alone(text, m.start(), m.end()):
            continue  # part of a word; the gap test below decides whether that word separates
        table = _SPOKEN if spoken else _WRITTEN
        group = _Group(m.start(), m.end(), "".join(table[c] for c in m.group()), spoken)
        if current and _joins(text, current[-1], group):
            current.append(group)
        else:
            if current:
                runs.append(current)
            current = [group]
    if current:
        runs.append(current)
    return runs


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether digit syllables are said as digits rather than spelling part of a word."""
    if end - start >= 3:
        return True
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return not _is_hangul(before) and (not _is_hangul(after) or after in _PARTICLE_STARTS)


def _joins(text: str, left: _Group, right: _Group) -> bool:
    gap = text[left.end : right.start]
    if not gap or not _GAP.fullmatch(gap):
        return False
    return "," not in gap or (left.spoken and right.spoken)


def _scan_run(text: str, run: list[_Group]) -> list[_Hit]:
    """Leftmost, longest stretches of the run that are personal data."""
    hits: list[_Hit] = []
    i = 0
    while i < len(run):
        for j in range(min(len(run), i + _MAX_GROUPS), i, -1):
            hit = next((h for h in _candidates(text, run[i:j]) if h is not None), None)
            if hit is not None:
                hits.append(hit)
                i = j
                break
        else:
            i += 1
    return hits


def _candidates(text: str, groups: Sequence[_Group]) -> list[_Hit | None]:
    """The stretch as it is, and without a final ``이`` that is the copula (``…팔이에요``)."""
    last = groups[-1]
    full = _classify(text, groups)
    after = text[last.end] if last.end < len(text) else ""
    if not (last.spoken and len(last.digits) >= 2 and text[last.end - 1] == "이" and _is_hangul(after)):
        return [full]
    trimmed = replace(last, end=last.end - 1, digits=last.digits[:-1])
    return [_classify(text, [*groups[:-1], trimmed]), full]


def _classify(text: str, groups: Sequence[_Group]) -> _Hit | None:
    """What the stretch ``groups`` is, if it is personal data.

    The order matters: fixed shapes (card, grouped resident number) first, then mobile,
    then account (some banks use the phone number as the account number), then a bare
    13-digit resident number, since a cued 13-digit account can also read as a date.
    """
    last = groups[-1]
    if not last.spoken and last.end < len(text) and text[last.end] in _UNITS:
        return None
    digits = "".join(g.digits for g in groups)
    sizes = [len(g.digits) for g in groups]
    # Said in syllables, or read out digit by digit (``0 1 0 1 2 …``): grouping means nothing.
    spoken = any(g.spoken for g in groups) or (len(groups) > 1 and max(sizes) == 1)
    spans = tuple((g.start, g.end) for g in groups)
    if (spoken and len(digits) == 16) or (not spoken and sizes in _CARD_SHAPES):
        return _Hit("card", spans)
    rrn_shaped = (6 in _boundaries(sizes) and _birth_date(digits)) if spoken else sizes == [6, 7]
    if len(digits) == 13 and rrn_shaped:
        return _Hit("rrn", spans)
    mobile = _mobile(text, groups, digits, sizes, spoken)
    if mobile is not None:
        return mobile
    if 10 <= len(digits) <= 14 and _account(text, groups, sizes, spoken):
        return _Hit("account", spans)
    if len(digits) == 13 and len(groups) == 1 and _birth_date(digits):
        return _Hit("rrn", spans)
    if len(digits) == 7 and (spoken or len(groups) == 1) and digits[0] in "12345678":
        return _Hit("rrn", spans) if _cued(_BACK_PART_CUE, text, groups[0].start) else None
    return None


def _account(text: str, groups: Sequence[_Group], sizes: list[int], spoken: bool) -> bool:
    """Said after 계좌/통장/은행 …, or printed like a bank prints one (``110-123-456789``).

    Printed, it has 2–4 hyphenated groups; numbers that start with 0 are landlines
    (``02-1234-5678``) and ``###-##-#####`` is a business registration number.
    """
    gaps = [text[a.end : b.start].strip() for a, b in pairwise(groups)]
    if _cued(_ACCOUNT_CUE, text, groups[0].start):
        return spoken or len(set(gaps)) <= 1
    return (
        not spoken
        and 2 <= len(sizes) <= 4
        and all(gap in _HYPHENS for gap in gaps)
        and min(sizes) >= 2
        and groups[0].digits[0] != "0"
        and sizes != [3, 2, 5]
    )


def _cued(cue: re.Pattern[str], text: str, start: int) -> bool:
    return cue.search(text, max(0, start - _CUE_WINDOW), start) is not None


def _mobile(text: str, groups: Sequence[_Group], digits: str, sizes: list[int], spoken: bool) -> _Hit | None:
    """A Korean mobile number, also after the country code (``+82 10-1234-5678``)."""
    spans = [(g.start, g.end) for g in groups]
    if not spoken and digits.startswith("82") and len(digits) >= 11:
        plus = groups[0].start > 0 and text[groups[0].start - 1] == "+"
        if sizes[0] == 2 and len(groups) > 1:
            digits, sizes, spans = digits[2:], sizes[1:], spans[1:]
        elif len(groups) == 1 and plus:
            digits, sizes, spans = digits[2:], [len(digits) - 2], [(spans[0][0] + 2, spans[0][1])]
        else:
            return None
        if not digits.startswith("0"):
            digits, sizes = "0" + digits, [sizes[0] + 1, *sizes[1:]]
    if not _MOBILE.fullmatch(digits):
        return None
    if spoken or sizes in ([3, 4, 4], [3, 3, 4], [11], [10]):
        return _Hit("mobile", tuple(spans))
    return None


def _boundaries(sizes: list[int]) -> set[int]:
    total, out = 0, set()
    for size in sizes[:-1]:
        total += size
        out.add(total)
    return out


def _birth_date(digits: str) -> bool:
    """Whether the first six digits read as YYMMDD (a resident number starts so)."""
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _is_hangul(char: str) -> bool:
    return "가" <= char <= "힣"
