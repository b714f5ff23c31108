"""Deterministic ASR-like noise for Korean transcripts.

Why: the engine is judged on raw speech-recognition output (domain.md, "Realism the
engine must handle"), but hand-written cases are clean. Replaying clean cases through
this noise shows how much a judgment depends on tidy spelling. The effects mimic what
Korean ASR actually does, not random corruption:

* most spaces are dropped (``녹취가 되고 있습니다`` → ``녹취가되고있습니다``);
* numbers come out as sino-Korean words (``7일`` → ``칠일``, ``3.1%`` → ``삼점일퍼센트``);
* a few syllables are written as a near-homophone (``보호`` → ``포호``, ``손실`` → ``손씰``);
* sentence punctuation (``.,?!``) is lost.

ASCII letters are never touched (product names such as ``KOSPI200`` or ``S&P500`` stay
as written), and everything is driven by one ``random.Random`` so a seed reproduces
the exact same text. Pure standard library.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from wanjeon.transcript.model import Transcript

__all__ = [
    "apply_noise",
    "noisy_transcript",
    "numbers_as_words",
    "spell_decimal",
    "spell_native",
    "spell_sino",
]

# Base probabilities at ``level=1.0``; each is multiplied by ``level`` and capped at 1.
SPACE_DROP = 0.8
"""Share of spaces removed: raw ASR joins most words and keeps a few breaks."""
SWAP_RATE = 0.065
"""Share of Hangul syllables written as a near-homophone (the brief asks for 5–8 %)."""
NUMBER_AS_WORDS = 0.9
"""Chance that one number is written out in words (ASR without inverse normalisation)."""
PUNCTUATION_DROP = 0.9
"""Chance that one sentence mark (``.,?!``) is lost."""

# --- Hangul arithmetic (Unicode block U+AC00..U+D7A3) ---------------------------------

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_VOWELS = 21
_FINALS = 28

# Initial consonant indexes: ㄱ0 ㄲ1 ㄴ2 ㄷ3 ㄸ4 ㄹ5 ㅁ6 ㅂ7 ㅃ8 ㅅ9
#                            ㅆ10 ㅇ11 ㅈ12 ㅉ13 ㅊ14 ㅋ15 ㅌ16 ㅍ17 ㅎ18
_INITIAL_SWAPS: dict[int, int] = {
    7: 17, 17: 7,  # ㅂ ↔ ㅍ
    3: 16, 16: 3,  # ㄷ ↔ ㅌ
    0: 1, 1: 0,  # ㄱ ↔ ㄲ
    9: 10, 10: 9,  # ㅅ ↔ ㅆ
    12: 13, 13: 12,  # ㅈ ↔ ㅉ
}  # fmt: skip
_TENSE: dict[int, int] = {0: 1, 3: 4, 7: 8, 9: 10, 12: 13}
"""Lax initial → tense initial (ㄱㄷㅂㅅㅈ → ㄲㄸㅃㅆㅉ), as heard after a final consonant."""

# Vowel indexes: ㅐ1 ㅔ5; ㅙ10 ㅚ11 ㅞ15 (all three sound alike in today's Seoul speech).
_VOWEL_SWAPS: dict[int, tuple[int, ...]] = {1: (5,), 5: (1,), 10: (11, 15), 11: (10, 15), 15: (10, 11)}


def _split(ch: str) -> tuple[int, int, int] | None:
    """(initial, vowel, final) of a precomposed Hangul syllable, or None."""
    code = ord(ch)
    if not _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return None
    index = code - _HANGUL_FIRST
    return index // (_VOWELS * _FINALS), (index // _FINALS) % _VOWELS, index % _FINALS


def _join(initial: int, vowel: int, final: int) -> str:
    return chr(_HANGUL_FIRST + (initial * _VOWELS + vowel) * _FINALS + final)


def _homophones(ch: str, previous: str) -> list[str]:
    """Near-homophone spellings of syllable ``ch``; ``previous`` is the character before it."""
    parts = _split(ch)
    if parts is None:
        return []
    initial, vowel, final = parts
    options: list[str] = []
    before = _split(previous) if previous else None
    if before is not None and before[2] != 0 and initial in _TENSE:
        options.append(_join(_TENSE[initial], vowel, final))  # 등급 → 등끕, 손실 → 손씰
    if initial in _INITIAL_SWAPS:
        swapped = _join(_INITIAL_SWAPS[initial], vowel, final)
        if swapped not in options:
            options.append(swapped)  # 보호 → 포호
    for other in _VOWEL_SWAPS.get(vowel, ()):
        options.append(_join(initial, other, final))  # 되 → 돼, 세 → 새
    return options


def _swap_syllables(text: str, rng: random.Random, rate: float) -> str:
    """Respell about ``rate`` of all Hangul syllables as a near-homophone.

    Not every syllable has a near-homophone, so a draw that lands on one without any is
    carried to the next syllable that has one: the share of respelled syllables then
    tracks ``rate`` over all syllables rather than over the eligible ones only.
    """
    if rate <= 0.0:
        return text
    out: list[str] = []
    owed = False
    previous = ""
    for ch in text:
        replacement = ch
        if _split(ch) is not None:
            if rng.random() < rate:
                owed = True
            if owed:
                options = _homophones(ch, previous)
                if options:
                    replacement = rng.choice(options)
                    owed = False
        out.append(replacement)
        previous = ch
    return "".join(out)


# --- numbers --------------------------------------------------------------------------

_DIGITS = ("영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_SMALL_UNITS = ("", "십", "백", "천")
_LARGE_UNITS = ("", "만", "억", "조")
_MAX_SINO = 10**16 - 1

_NATIVE_ONES = ("", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉")
_NATIVE_TENS = ("", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔")


def _spell_group(n: int) -> str:
    """0 < n < 10000 as sino-Korean; 일 is silent before 십/백/천 (십사, not 일십사)."""
    out: list[str] = []
    for position in range(3, -1, -1):
        digit = (n // 10**position) % 10
        if digit == 0:
            continue
        if digit == 1 and position > 0:
            out.append(_SMALL_UNITS[position])
        else:
            out.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(out)


def spell_sino(n: int) -> str:
    """Read a non-negative integer the way Korean numbers are said: 14 → 십사, 10000 → 만,
    100000000 → 일억, 1000000000000 → 일조.

    Why sino-Korean: amounts, rates, days, grades and years, which carry the facts an
    agent must state, are all read with sino-Korean numerals. Supports up to 10^16 - 1.
    """
    if n < 0 or n > _MAX_SINO:
        raise ValueError(f"cannot spell {n}: only 0 … {_MAX_SINO} are supported")
    if n == 0:
        return _DIGITS[0]
    out: list[str] = []
    for level in range(3, -1, -1):
        group = (n // 10000**level) % 10000
        if group == 0:
            continue
        if group == 1 and level == 1:
            out.append("만")  # 만, not 일만
        else:
            out.append(_spell_group(group) + _LARGE_UNITS[level])
    return "".join(out)


def spell_decimal(integer_part: str, fraction_part: str) -> str:
    """Read a decimal such as 3.1 (``"3"``, ``"1"``) → 삼점일; fraction digits one by one
    (0.05 → 영점영오), as rates are said aloud."""
    whole = spell_sino(int(integer_part)) if integer_part else _DIGITS[0]
    if not fraction_part:
        return whole
    return whole + "점" + "".join(_DIGITS[int(d)] for d in fraction_part)


def spell_native(n: int, *, ordinal: bool = False) -> str:
    """1 ≤ n ≤ 99 in native Korean as it stands before a counter: 3 → 세 (세 시), 20 → 스무.

    With ``ordinal`` (before 번째) 1 reads 첫 (첫번째). Why: hours, people, ages and
    counts are never read sino-Korean, so ``3시`` must become ``세시``, not ``삼시``.
    """
    if not 1 <= n <= 99:
        raise ValueError(f"native Korean numbers run from 1 to 99, not {n}")
    tens, ones = divmod(n, 10)
    if ordinal and n == 1:
        return "첫"
    if tens == 2 and ones == 0:
        return "스무"
    return _NATIVE_TENS[tens] + _NATIVE_ONES[ones]


# A number not glued to ASCII letters ("S&P500", "A2-" stay as written): a phone number
# (02-1332-0000, 1588-1234), or a plain number, with thousands separators or a decimal part.
# Other hyphenated numbers (dates, ranges like 3-4) are left as digits.
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.,-])(?:(?P<phone>\d{2,4}-\d{3,4}(?:-\d{4})?)|(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?)"
    r"(?![A-Za-z0-9-])"
)
_NATIVE_COUNTERS = ("시간", "시", "명", "살", "번째", "번", "가지", "달", "마리", "군데", "곳", "잔", "장")
_NOT_NATIVE = ("개월", "시점", "시장", "장기", "장점", "번호", "시행", "시작", "시기")


def _native_counter(after: str) -> str | None:
    """The native-numeral counter ``after`` starts with, if any (``개`` but not ``개월``)."""
    if after.startswith(_NOT_NATIVE):
        return None
    if after.startswith("개"):
        return "개"
    return next((c for c in _NATIVE_COUNTERS if after.startswith(c)), None)


def _number_words(match: re.Match[str], text: str) -> str:
    """How one number of ``text`` is heard, with any ``%`` that belongs to it."""
    phone = match.group("phone")
    if phone is not None:
        return "".join(_DIGITS[int(d)] for d in phone if d.isdigit())  # 02-1332 → 영이일삼삼이
    whole = match.group("whole").replace(",", "")
    fraction = match.group("fraction") or ""
    after = text[match.end() :]
    if not fraction and len(whole) > 1 and whole.startswith("0"):
        return "".join(_DIGITS[int(d)] for d in whole)  # 010, 02: read digit by digit
    value = int(whole)
    if value > _MAX_SINO:
        return "".join(_DIGITS[int(d)] for d in whole)
    if not fraction:
        counter = _native_counter(after)
        if counter is not None and 1 <= value <= 99:
            return spell_native(value, ordinal=counter == "번째")
        if after.startswith("월") and value in (6, 10):
            return "유" if value == 6 else "시"  # 유월, 시월
        if value == 1 and after[:1] in ("십", "백", "천", "만"):
            return ""  # 1천만 → 천만, 1만 원 → 만 원
    return spell_decimal(whole, fraction)


_PERCENT = re.compile(r"\s?%(?:([pP])(?![A-Za-z]))?")


def _spell_numbers(text: str, rng: random.Random, chance: float) -> str:
    """Write out each number with probability ``chance`` (7일 → 칠일, 3.1% → 삼점일퍼센트)."""
    if chance <= 0.0:
        return text
    out: list[str] = []
    cursor = 0
    for match in _NUMBER.finditer(text):
        if rng.random() >= chance:
            continue
        out.append(text[cursor : match.start()])
        out.append(_number_words(match, text))
        cursor = match.end()
        percent = _PERCENT.match(text, cursor)
        if percent is not None:
            out.append("퍼센트포인트" if percent.group(1) else "퍼센트")
            cursor = percent.end()
    out.append(text[cursor:])
    return "".join(out)


def numbers_as_words(text: str) -> str:
    """Every number of ``text`` written out as heard (``연 3.1%`` → ``연 삼점일퍼센트``).

    Why public: the engine's normaliser can use it to compare a spoken number with a
    written one, and tests can check the speller without the random effects.
    """
    return _spell_numbers(text, random.Random(0), 1.0)


# --- punctuation and spaces -----------------------------------------------------------

_PUNCTUATION = frozenset(".,?!")


def _drop_punctuation(text: str, rng: random.Random, chance: float) -> str:
    """Lose sentence marks, but keep a point or comma between digits (3.1, 38,500)."""
    if chance <= 0.0:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _PUNCTUATION:
            inside_number = 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            if not inside_number and rng.random() < chance:
                continue
        out.append(ch)
    return "".join(out)


def _is_ascii_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _drop_spaces(text: str, rng: random.Random, chance: float) -> str:
    """Remove about ``chance`` of the spaces; a space next to an ASCII word stays, since
    joining Latin-script names ("EURO STOXX") is not what Korean ASR does."""
    if chance <= 0.0:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not (_is_ascii_letter(before) or _is_ascii_letter(after)) and rng.random() < chance:
                continue
        out.append(ch)
    return " ".join(part for part in "".join(out).split(" ") if part)


# --- public ---------------------------------------------------------------------------


def apply_noise(text: str, rng: random.Random, *, level: float = 1.0) -> str:
    """Return ``text`` as raw Korean ASR might have written it.

    ``level`` scales every effect's probability (0 leaves the text unchanged, 1 is the
    realistic default, 2 is a poor recording). Numbers are spelled out first so the
    punctuation pass cannot break a decimal, and syllables are respelled before the spaces
    go so tensification only happens inside a word, as in speech.
    """
    if level < 0:
        raise ValueError(f"noise level must be >= 0, not {level}")

    def p(base: float) -> float:
        return min(1.0, base * level)

    noisy = _spell_numbers(text, rng, p(NUMBER_AS_WORDS))
    noisy = _drop_punctuation(noisy, rng, p(PUNCTUATION_DROP))
    noisy = _swap_syllables(noisy, rng, p(SWAP_RATE))
    return _drop_spaces(noisy, rng, p(SPACE_DROP))


def noisy_transcript(transcript: Transcript, seed: int, *, level: float = 1.0) -> Transcript:
    """The same consultation as noisy ASR output, reproducible from ``seed``.

    One ``random.Random(seed)`` runs through all segments in order, so a seed names one
    exact noisy transcript. Speakers and times are kept; word-level timings are dropped
    because their texts no longer line up with the noisy segment text. The seed and level
    are recorded in ``metadata`` so a report can say which variant it judged.
    """
    rng = random.Random(seed)
    segments = tuple(
        replace(utterance, text=apply_noise(utterance.text, rng, level=level), words=())
        for utterance in transcript.segments
    )
    metadata = {**transcript.metadata, "noise_seed": str(seed), "noise_level": f"{level:g}"}
    return replace(transcript, segments=segments, metadata=metadata)
