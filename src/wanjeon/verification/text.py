"""Text keys: the form in which rule terms and utterances are compared.

Speech recognition loses spaces and punctuation, confuses near-homophone
syllables (보호/포호, 등급/등끕, 설명서/설명써) and writes numbers as words
(칠일, 삼점일퍼센트, 오천만 원). Rather than fuzzy-matching every term against
every utterance, both sides are reduced to one *key* in which those differences
vanish, so matching is an exact substring test and stays fast:

- spaces and punctuation are dropped; Latin letters are lower-cased;
- Hangul syllables are flattened at the jamo level: tense and aspirated initials
  become plain (ㄲㅋ→ㄱ, ㄸㅌ→ㄷ, ㅃㅍ→ㅂ, ㅆ→ㅅ, ㅉㅊ→ㅈ), ㅐ/ㅔ, ㅒ/ㅖ,
  ㅙ/ㅚ/ㅞ and ㅟ/ㅣ merge, and tense finals become plain;
- numbers become digits: sino-Korean numerals followed by a unit (칠일 → 7일,
  구십일 → 90일, 일억 원 → 100000000원), digits with Korean scale words
  (5천만 → 50000000), native day and month words (이틀 → 2일, 석 달 → 3개월).

Every key character remembers the index of the original character it came
from, so a match in the key maps back to the words the reviewer sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HANGUL_BASE = 0xAC00
_HANGUL_LAST = 0xD7A3
_N_V = 21
_N_T = 28

# Initial consonant indices: ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ
_L_FLAT = {1: 0, 15: 0, 4: 3, 16: 3, 8: 7, 17: 7, 10: 9, 13: 12, 14: 12}
# Vowel indices: ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ
_V_FLAT = {1: 5, 3: 7, 10: 15, 11: 15, 16: 20}  # ㅐ→ㅔ ㅒ→ㅖ ㅙㅚ→ㅞ ㅟ→ㅣ (녹취/녹치)
# Final indices: (none)ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ
_T_FLAT = {2: 1, 20: 19, 24: 1, 25: 7, 26: 17, 23: 22}

_RAW_DIGITS = {
    "영": 0,
    "공": 0,
    "일": 1,
    "이": 2,
    "삼": 3,
    "사": 4,
    "오": 5,
    "육": 6,
    "륙": 6,
    "칠": 7,
    "팔": 8,
    "구": 9,
}
_RAW_SMALL = {"십": 10, "백": 100, "천": 1000}
_RAW_BIG = {"만": 10**4, "억": 10**8, "조": 10**12}


_DROP_CHARS = frozenset("\"'`~!?,:;()[]{}<>/\\|…·*#@^_=+-–—“”‘’「」『』〈〉《》.")


@dataclass(frozen=True, slots=True)
class Key:
    """A normalised text: ``text`` to match on, ``index[i]`` the original position of ``text[i]``."""

    text: str
    index: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a key range ``[start, end)`` to the original text range it covers."""
        if not self.index:
            return (0, 0)
        start = min(start, len(self.index) - 1)
        last = min(max(end - 1, start), len(self.index) - 1)
        return (self.index[start], self.index[last] + 1)


def flatten_syllable(ch: str) -> str:
    """Collapse near-homophone distinctions in one Hangul syllable (보호 = 포호)."""
    cached = _FLAT_CACHE.get(ch)
    if cached is not None:
        return cached
    flat = _flatten_uncached(ch)
    _FLAT_CACHE[ch] = flat
    return flat


_FLAT_CACHE: dict[str, str] = {}


def _flatten_uncached(ch: str) -> str:
    code = ord(ch)
    if code < _HANGUL_BASE or code > _HANGUL_LAST:
        return ch
    offset = code - _HANGUL_BASE
    lead, rest = divmod(offset, _N_V * _N_T)
    vowel, tail = divmod(rest, _N_T)
    lead = _L_FLAT.get(lead, lead)
    vowel = _V_FLAT.get(vowel, vowel)
    tail = _T_FLAT.get(tail, tail)
    return chr(_HANGUL_BASE + (lead * _N_V + vowel) * _N_T + tail)


def flatten(text: str) -> str:
    """Flatten every Hangul syllable of ``text``, leaving everything else as is."""
    return "".join(flatten_syllable(c) for c in text)


# Numbers are read after flattening, so that noise inside a numeral (쌈점이 for
# 삼점이, 쩜 for 점) does not stop it being read: the tables are flattened too.
_SINO_DIGITS = {flatten(k): v for k, v in _RAW_DIGITS.items()}
_SMALL_SCALES = {flatten(k): v for k, v in _RAW_SMALL.items()}
_BIG_SCALES = {flatten(k): v for k, v in _RAW_BIG.items()}
_POINT = flatten("점")
_NUMERAL_CHARS = set(_SINO_DIGITS) | set(_SMALL_SCALES) | set(_BIG_SCALES) | {_POINT}
_SCALE_CLASS = "".join(_SMALL_SCALES)
_BIG_CLASS = "|".join(_BIG_SCALES)
# Units after which a run of sino-Korean numerals is read as a number. Ambiguous
# ones carry a lookahead so that 사주세요 or 이주세요 stay words.
_UNITS = re.compile(
    flatten(r"(?:등급|영업일|개월|퍼센트|프로|%|년|원|배|일|주(?=일|동안|안|이내|후|뒤|간|내|째|만))")
)
_PERCENT_WORD = re.compile(flatten(r"(?<=\d)(퍼센트|퍼센|프로)"))
_NATIVE = {
    flatten(k): flatten(v)
    for k, v in {
        "하루": "1일",
        "이틀": "2일",
        "사흘": "3일",
        "나흘": "4일",
        "닷새": "5일",
        "엿새": "6일",
        "이레": "7일",
        "열흘": "10일",
        "보름": "15일",
        "한달": "1개월",
        "두달": "2개월",
        "석달": "3개월",
        "넉달": "4개월",
        "여섯달": "6개월",
    }.items()
}
_NATIVE_RE = re.compile("|".join(sorted(_NATIVE, key=len, reverse=True)))
_DIGIT_SCALE_RE = re.compile(
    rf"\d+(?:\.\d+)?(?:[{_SCALE_CLASS}]?(?:{_BIG_CLASS})|[{_SCALE_CLASS}])"
    rf"(?:\d+(?:[{_SCALE_CLASS}]?(?:{_BIG_CLASS})?|[{_SCALE_CLASS}]))*"
)


def parse_sino(run: str) -> int | float | None:
    """Value of a sino-Korean numeral such as 구십, 오천만, 삼점일; None if malformed."""
    if _POINT in run:
        whole, _, frac = run.partition(_POINT)
        if not frac or any(c not in _SINO_DIGITS for c in frac):
            return None
        head = parse_sino(whole) if whole else 0
        if head is None:
            return None
        return float(f"{int(head)}." + "".join(str(_SINO_DIGITS[c]) for c in frac))
    total = 0
    section = 0
    digit: int | None = None
    last_small = 10**5
    last_big = 10**13
    for c in run:
        if c in _SINO_DIGITS:
            if digit is not None:
                return None
            digit = _SINO_DIGITS[c]
        elif c in _SMALL_SCALES:
            scale = _SMALL_SCALES[c]
            if scale >= last_small:
                return None
            section += (1 if digit is None else digit) * scale
            digit = None
            last_small = scale
        elif c in _BIG_SCALES:
            scale = _BIG_SCALES[c]
            if scale >= last_big:
                return None
            value = section + (digit or 0)
            total += (value if value else 1) * scale
            section, digit, last_small, last_big = 0, None, 10**5, scale
        else:
            return None
    return total + section + (digit or 0)


def parse_digit_scale(token: str) -> int | float | None:
    """Value of digits mixed with scale words: 5천만 → 50000000, 3억2천만 → 320000000."""
    total = 0.0
    section = 0.0
    number: float | None = None
    for part in re.findall(rf"\d+(?:\.\d+)?|[{_SCALE_CLASS}]|{_BIG_CLASS}", token):
        if part[0].isdigit():
            if number is not None:
                section += number
            number = float(part)
        elif part in _SMALL_SCALES:
            section += (1 if number is None else number) * _SMALL_SCALES[part]
            number = None
        else:
            total += (section + (number or 0) or 1) * _BIG_SCALES[part]
            section, number = 0.0, None
    value = total + section + (number or 0)
    return int(value) if value == int(value) else value


def _render(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _strip(text: str) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    index: list[int] = []
    n = len(text)
    drop = _DROP_CHARS
    for i, c in enumerate(text):
        if c in drop or c.isspace():
            if c == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                chars.append(c)
                index.append(i)
            continue
        chars.append(c.lower() if c.isascii() else c)
        index.append(i)
    return chars, index


def _convert_numbers(chars: list[str], index: list[int]) -> tuple[list[str], list[int]]:
    text = "".join(chars)
    out: list[str] = []
    out_index: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        m = _NATIVE_RE.match(text, i)
        if m:
            rendered = _NATIVE[m.group()]
            out.extend(rendered)
            out_index.extend([index[i]] * len(rendered))
            i = m.end()
            continue
        if text[i].isdigit():
            m = _DIGIT_SCALE_RE.match(text, i)
            if m:
                value = parse_digit_scale(m.group())
                if value is not None:
                    rendered = _render(value)
                    out.extend(rendered)
                    out_index.extend([index[i]] * len(rendered))
                    i = m.end()
                    continue
        if text[i] in _NUMERAL_CHARS:
            j = i
            while j < n and text[j] in _NUMERAL_CHARS:
                j += 1
            converted = False
            for end in range(j, i, -1):
                if not _UNITS.match(text, end):
                    continue
                value = parse_sino(text[i:end])
                if value is None:
                    continue
                rendered = _render(value)
                out.extend(rendered)
                out_index.extend([index[i]] * len(rendered))
                i = end
                converted = True
                break
            if converted:
                continue
        out.append(text[i])
        out_index.append(index[i])
        i += 1
    return out, out_index


def make_key(text: str) -> Key:
    """The matching key of an utterance or a rule term (see the module docstring)."""
    chars, index = _strip(text)
    chars = [flatten_syllable(c) for c in chars]
    chars, index = _convert_numbers(chars, index)
    key = "".join(chars)
    if _PERCENT_WORD.search(key):
        pieces: list[str] = []
        new_index: list[int] = []
        last = 0
        for m in _PERCENT_WORD.finditer(key):
            pieces.append(key[last : m.start()])
            new_index.extend(index[last : m.start()])
            pieces.append("%")
            new_index.append(index[m.start()])
            last = m.end()
        pieces.append(key[last:])
        new_index.extend(index[last:])
        key, index = "".join(pieces), new_index
    return Key(key, tuple(index))


def key_of(term: str) -> str:
    """Just the key text of a rule term."""
    return make_key(term).text
