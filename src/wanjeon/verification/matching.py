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
    def __init__(self, concepts: dict[str, Concept], compounds: frozenset[str] = frozenset()) -> None:
        self._compounds = compounds
        self._literal: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._regex: list[tuple[re.Pattern[str], str, str]] = []
        for concept in concepts.values():
            for term in concept.terms:
                if term.pattern is not None:
                    self._regex.append((re.compile(term.pattern), concept.name, term.text))
                else:
                    self._literal[term.key].append((concept.name, term.text))
        by_first: dict[str, set[int]] = defaultdict(set)
        for key in self._literal:
            by_first[key[0]].add(len(key))
        self._lengths_by_first = {c: sorted(lengths) for c, lengths in by_first.items()}
        self._regex_hints = [_hints(p.pattern) for p, _, _ in self._regex]

    def find(self, key: str) -> dict[str, list[ConceptMatch]]:
        """Every concept present in ``key``, with where each of its terms occurs."""
        found: dict[str, list[ConceptMatch]] = defaultdict(list)
        literal = self._literal
        n = len(key)
        spans: list[tuple[int, int, list[tuple[str, str]]]] = []
        lengths_by_first = self._lengths_by_first
        for start in range(n):
            lengths = lengths_by_first.get(key[start])
            if lengths is None:
                continue
            for length in lengths:
                if start + length > n:
                    break
                entries = literal.get(key[start : start + length])
                if entries:
                    spans.append((start, start + length, entries))
        for start, end, entries in _unshadowed(spans, self._compounds):
            for concept, text in entries:
                found[concept].append(ConceptMatch(concept, start, end, text))
        for (pattern, concept, text), hint in zip(self._regex, self._regex_hints, strict=True):
            if hint and not any(h in key for h in hint):
                continue
            for m in pattern.finditer(key):
                if m.end() > m.start():
                    found[concept].append(ConceptMatch(concept, m.start(), m.end(), text))
        return found


def _unshadowed(
    spans: list[tuple[int, int, list[tuple[str, str]]]], compounds: frozenset[str]
) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Drop matches lying inside a longer match of a *compound* concept: 해약 and 환급금
    are not two concepts when the word said is 해약환급금, nor is 예금 a deposit when
    the word is 예금자보호. Which concepts are compounds is the rulebook's call."""
    shadows = [(a, b) for a, b, entries in spans if any(concept in compounds for concept, _ in entries)]
    if not shadows:
        return spans
    return [
        span
        for span in spans
        if not any(a <= span[0] and span[1] <= b and b - a > span[1] - span[0] for a, b in shadows)
    ]


def _literal_hint(pattern: str) -> str:
    """A piece of text every match of ``pattern`` must contain, to skip most searches.

    Only the simple, certain case is used: a run of Hangul at the top level of the
    pattern (outside groups, classes and quantifiers); otherwise no hint.
    """
    depth = 0
    best = ""
    run = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            run = ""
            i += 2
            continue
        if c == "|" and depth == 0:
            return ""
        if c in "([":
            depth += 1
            run = ""
        elif c in ")]":
            depth -= 1
            run = ""
        elif depth == 0 and "\uac00" <= c <= "\ud7a3":
            nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
            if nxt in "?*{":
                run = ""
            else:
                run += c
                best = max(best, run, key=len)
        else:
            run = ""
        i += 1
    return best


_LEADING_ALTERNATION = re.compile(r"^\(((?:[\uac00-\ud7a3a-z0-9]+\|)*[\uac00-\ud7a3a-z0-9]+)\)(?![?*{])")


def _hints(pattern: str) -> tuple[str, ...]:
    """Texts of which every match of ``pattern`` contains at least one (empty: no hint).

    A literal run at the top level is one certain hint; a pattern that opens with a
    group of plain alternatives, such as ``(원금|투자금)…``, needs one of them.
    """
    single = _literal_hint(pattern)
    if single:
        return (single,)
    m = _LEADING_ALTERNATION.match(pattern)
    return tuple(m.group(1).split("|")) if m else ()
