"""Finding the rulebook's concepts in a sentence key, fast.

Literal terms are indexed by their key; a sentence is scanned once for every
substring whose length is a term length, which for a 30-minute consultation is
a few tens of thousands of dictionary probes instead of a regex per concept.
Regex terms (few) are searched one by one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from wanjeon.rulebook.model import Concept

Hit = tuple[int, int, str]  # start, end (key offsets), the term's text as written in the rulebook


@dataclass(frozen=True, slots=True)
class ConceptMatch:
    concept: str
    start: int
    end: int
    term: str


class ConceptIndex:
    def __init__(self, concepts: dict[str, Concept]) -> None:
        self._literal: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._regex: list[tuple[re.Pattern[str], str, str]] = []
        for concept in concepts.values():
            for term in concept.terms:
                if term.pattern is not None:
                    self._regex.append((re.compile(term.pattern), concept.name, term.text))
                else:
                    self._literal[term.key].append((concept.name, term.text))
        self._lengths = sorted({len(k) for k in self._literal})

    def find(self, key: str) -> dict[str, list[ConceptMatch]]:
        """Every concept present in ``key``, with where each of its terms occurs."""
        found: dict[str, list[ConceptMatch]] = defaultdict(list)
        literal = self._literal
        n = len(key)
        spans: list[tuple[int, int, list[tuple[str, str]]]] = []
        for length in self._lengths:
            for start in range(n - length + 1):
                entries = literal.get(key[start:start + length])
                if entries:
                    spans.append((start, start + length, entries))
        for start, end, entries in _longest(spans):
            for concept, text in entries:
                found[concept].append(ConceptMatch(concept, start, end, text))
        for pattern, concept, text in self._regex:
            for m in pattern.finditer(key):
                if m.end() > m.start():
                    found[concept].append(ConceptMatch(concept, m.start(), m.end(), text))
        return found



def _longest(spans: list[tuple[int, int, list[tuple[str, str]]]]) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Drop literal matches lying inside a longer one: 해약 and 환급금 are not two
    concepts when the word said is 해약환급금, as a tokenizer would read it."""
    kept: list[tuple[int, int, list[tuple[str, str]]]] = []
    for span in sorted(spans, key=lambda s: s[0] - s[1]):
        start, end, _ = span
        if any(k[0] <= start and end <= k[1] and k[1] - k[0] > end - start for k in kept):
            continue
        kept.append(span)
    return kept
