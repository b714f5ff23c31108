"""The language port: what judgment needs from a Korean morphological analyser.

The engine asks two questions of a sentence that plain matching cannot answer
reliably: *is this statement negated where it matters?* (원금 보장이 안 됩니다 is
an explanation, not a promise) and *is it a question?* (원금 보장되죠? asks; it
does not promise). Both are decided here from morphemes with Sejong tags, so the
rules stay ours; the analyser behind ``MorphemeAnalyzer`` only tokenises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    ("안", "MAG"), ("못", "MAG"), ("않", "VX"), ("못하", "VX"), ("없", "VA"), ("아니", "VCN"),
    ("말", "VX"), ("비", "XPN"), ("불", "XPN"), ("미", "XPN"), ("안되", "VV"), ("없이", "MAG"),
}
_QUESTION_ENDINGS = ("나요", "까요", "니까", "가요", "는지요", "냐", "니", "래요", "ᆯ까", "을까", "죠", "지요")


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
        if (m.form, m.tag) in _NEGATOR_FORMS:
            negators.append(m)
        nxt = morphemes[i + 1] if i + 1 < len(morphemes) else None
        boundary = m.tag in ("EF", "SF") or (
            m.tag == "EC" and (nxt is None or nxt.tag not in ("VX", "VCN", "VA"))
        )
        if boundary or nxt is None:
            out.append(Clause(start_char, m.end, tuple(negators)))
            negators = []
            start_char = nxt.start if nxt is not None else m.end
    return out


def negation_count(morphemes: list[Morpheme], start: int, end: int) -> int:
    """How many clauses touching the text span ``[start, end)`` are negated.

    Within a clause a negator counts when it comes after the span begins (Korean
    negation follows what it negates, 안/못 just before the verb) or is a negative
    prefix inside the span (비보장); an even number cancels out (안 나는 건 아니고).
    Each clause is judged on its own, so "보호하지 않습니다. 대상이 아니에요" said
    without punctuation is two negated clauses, not a double negation.
    """
    negated = 0
    for clause in clauses(morphemes):
        if clause.end <= start or clause.start >= end:
            continue
        count = 0
        for neg in clause.negators:
            if neg.tag == "XPN":
                if start <= neg.start < end:
                    count += 1
            elif neg.start >= start:
                count += 1
        negated += count % 2
    return negated


def is_question(text: str, morphemes: list[Morpheme]) -> bool:
    """A sentence is a question if it ends with ? or with an interrogative final ending."""
    stripped = text.rstrip()
    if stripped.endswith("?"):
        return True
    finals = [m for m in morphemes if m.tag == "EF"]
    if not finals or stripped.endswith("."):
        return False
    last = finals[-1].form
    return any(last.endswith(e) for e in _QUESTION_ENDINGS if e not in ("죠", "지요"))
