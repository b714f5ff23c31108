"""The language port: what judgment needs from a Korean morphological analyser.

The engine asks of a sentence what plain matching cannot answer reliably: *is
this statement negated where it matters?* (원금 보장이 안 됩니다 is an explanation,
not a promise) and *where does its clause end?* (so that a question is read off
the clause that holds the words: ``cues.CueEvaluator``). Both are decided from
morphemes with Sejong tags, so the rules stay ours; the analyser behind
``MorphemeAnalyzer`` only tokenises.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Protocol

from wanjeon.verification.text import Key, flatten


@dataclass(frozen=True, slots=True)
class Morpheme:
    form: str
    tag: str
    start: int
    end: int


class MorphemeAnalyzer(Protocol):
    """Tokenises one sentence into morphemes with character offsets into it.

    Contract: offsets index the given string; tags follow the Sejong tag set
    (NNG, VV, VX, EC, EF, MAG, XPN, SF …); the call is pure and thread-safe.
    """

    def morphemes(self, text: str) -> list[Morpheme]: ...


# Clause boundaries: final endings and sentence punctuation always; a connective
# ending only when it does not lead into an auxiliary (보장되-지 않-다, 잃-을 수 있-다).
_NEGATOR_FORMS = {
    ("안", "MAG"),
    ("못", "MAG"),
    ("않", "VX"),
    ("못하", "VX"),
    ("없", "VA"),
    ("아니", "VCN"),
    ("말", "VX"),
    ("비", "XPN"),
    ("불", "XPN"),
    ("미", "XPN"),
    ("안되", "VV"),
    ("없이", "MAG"),
}
# Quoted content takes the negation of the verb that quotes it (안전하다고 말씀드릴 수 없어요).
_QUOTATIVE = ("라고", "다고", "냐고", "자고", "라는", "다는")


# Nouns the analyser splits into 안 + verb when an honorific verb follows them
# (안내드릴게요 → 안/MAG 내/VV): written together, they are the noun, not negation.
_MISREAD_AFTER_AN = {"내", "심", "정", "전"}


def _misread_noun(negator: Morpheme, following: Morpheme) -> bool:
    return negator.form == "안" and following.start == negator.end and following.form in _MISREAD_AFTER_AN


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    negators: tuple[Morpheme, ...]


def clauses(morphemes: list[Morpheme]) -> list[Clause]:
    """Split a sentence into clauses, each with the negating morphemes inside it."""
    out: list[Clause] = []
    negators: list[Morpheme] = []
    start_char = morphemes[0].start if morphemes else 0
    for i, m in enumerate(morphemes):
        nxt = morphemes[i + 1] if i + 1 < len(morphemes) else None
        if (m.form, m.tag) in _NEGATOR_FORMS and (
            m.tag != "MAG"
            or m.form == "없이"
            or (nxt is not None and nxt.tag.startswith(("V", "XSV", "XSA")) and not _misread_noun(m, nxt))
        ):
            # 안/못 negate only a following predicate; "안쩡추구형" misread as 안 + noun is not negation.
            negators.append(m)
        boundary = m.tag in ("EF", "SF") or (
            m.tag == "EC"
            and not m.form.endswith(_QUOTATIVE)
            and nxt is not None
            and nxt.tag not in ("VX", "VCN", "VA")
            and (nxt.form, nxt.tag) not in _NEGATOR_FORMS
        )
        if boundary or nxt is None:
            out.append(Clause(start_char, m.end, tuple(negators)))
            negators = []
            start_char = nxt.start if nxt is not None else m.end
    return out


def _clause_negated(clause: Clause, key: Key, start: int) -> bool:
    if clause.negators:
        count = sum(
            1
            for neg in clause.negators
            if neg.start >= start or (neg.tag == "XPN" and neg.end >= start - 1 and neg.start < start)
        )
        return count % 2 == 1
    # The analyser found no negator: read the normalised surface, as ASR output often
    # defeats the analyser (받지 못합니타, 원금삐포장형).
    return len(_SURFACE_NEGATION.findall(key_slice(key, max(clause.start, start - 1), clause.end))) % 2 == 1


def key_slice(key: Key, start: int, end: int) -> str:
    """The part of ``key`` that comes from original characters ``[start, end)``."""
    return key.text[bisect_left(key.index, start) : bisect_left(key.index, end)]


def negated(morphemes: list[Morpheme], key: Key, start: int, end: int) -> bool:
    """Whether the statement in ``text[start:end]`` is negated.

    Each clause the span touches is judged on its own: a negator counts when it
    comes after the span begins (Korean negation follows what it negates, 안/못
    just before the verb) or is a negative prefix right before or inside it
    (비보장); an even number cancels out (손실이 안 나는 건 아니고). Two negated
    clauses are two negations, not a double one: "보호하지 않습니다 대상이 아니에요"
    said without punctuation is still negated.
    """
    touched = [c for c in clauses(morphemes) if not (c.end <= start or c.start >= end)]
    if not touched:
        return bool(_SURFACE_NEGATION.search(key_slice(key, start, end)))
    return any(_clause_negated(clause, key, start) for clause in touched)


# Negation as it is written, for text the analyser misreads.
_SURFACE_NEGATION = re.compile(
    flatten(
        r"(지|치|찌)(않|안|못)|못(하|합|해|한|했)|안(되|돼|됩|됨)|아니|아닙|없(어|습|고|는|다|이|으|죠)|비보장"
    )
)
