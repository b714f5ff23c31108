"""Deciding whether a cue fires in a sentence: co-occurrence, mood, hedges, polarity.

Co-occurrence and mood are read off the prepared sentence; polarity needs the
morphological analyser and is only asked for when a cue cares, which keeps the
analyser off the hot path (it sees a handful of sentences per consultation).
"""

from __future__ import annotations

from dataclasses import dataclass

from wanjeon.rulebook.model import Cue, Mood, Polarity, Rulebook
from wanjeon.verification.conversation import STRICT_QUESTION, Sentence
from wanjeon.verification.language import MorphemeAnalyzer, key_slice, negated
from wanjeon.verification.matching import ConceptMatch

#: Confidence factor when a term was only found through ASR-tolerant normalisation.
TOLERANT_FACTOR = 0.95


@dataclass(frozen=True, slots=True)
class CueHit:
    cue: Cue
    sentence: Sentence
    matches: tuple[ConceptMatch, ...]
    negated: bool | None
    exact: bool

    @property
    def confidence(self) -> float:
        return self.cue.weight * (1.0 if self.exact else TOLERANT_FACTOR)

    @property
    def method(self) -> str:
        return "phrase" if self.exact else "asr-tolerant phrase"

    @property
    def matched(self) -> str:
        seen: list[str] = []
        for m in sorted(self.matches, key=lambda m: m.start):
            text = self.sentence.matched_text(m)
            if text not in seen:
                seen.append(text)
        return " … ".join(seen)


def _is_exact(sentence: Sentence, match: ConceptMatch) -> bool:
    if match.term.startswith("re:"):
        return True
    original = sentence.matched_text(match).replace(" ", "").lower()
    return original == match.term.replace(" ", "").lower()


class CueEvaluator:
    def __init__(self, rulebook: Rulebook, analyzer: MorphemeAnalyzer) -> None:
        self.rulebook = rulebook
        self.analyzer = analyzer
        self._hedge = rulebook.lexicon.hedge

    def windows(self, sentence: Sentence, concepts: tuple[str, ...]) -> list[tuple[int, int]]:
        """Original-text spans that each hold one occurrence of every concept.

        One window per occurrence of the first concept, completed with the nearest
        occurrence of each other concept: "원금 … 잃으실 수도 있어요" is judged on its
        own even when the same turn later says "손해는 … 채워 드리지 않고".
        """
        present = [sentence.concepts[c] for c in concepts if c in sentence.concepts]
        if not present:
            return []
        out = []
        for anchor in present[0]:
            chosen = [anchor] + [min(ms, key=lambda m: abs(m.start - anchor.start)) for ms in present[1:]]
            span = sentence.key.original_span(min(m.start for m in chosen), max(m.end for m in chosen))
            if span not in out:
                out.append(span)
        return out

    def negated_windows(self, sentence: Sentence, concepts: tuple[str, ...]) -> list[bool]:
        """For each window (see ``windows``), whether the statement there is negated."""
        windows = self.windows(sentence, concepts)
        if not windows:
            return []
        morphemes = self.analyzer.morphemes(sentence.text)
        return [negated(morphemes, sentence.key, start, end) for start, end in windows]

    def is_negated(self, sentence: Sentence, concepts: tuple[str, ...]) -> bool:
        """Whether the sentence says the concepts negatively anywhere it mentions them."""
        return any(self.negated_windows(sentence, concepts))

    def _asks_where_said(self, sentence: Sentence, concepts: tuple[str, ...]) -> bool:
        """Whether the clause holding the concepts ends as a question, for text
        without punctuation where one 'sentence' runs on past the question."""
        windows = self.windows(sentence, concepts)
        if not windows:
            return False
        start = windows[0][0]
        for m in self.analyzer.morphemes(sentence.text):
            if m.tag == "EF" and m.start >= start:
                stretch = key_slice(sentence.key, start, m.end)
                return bool(STRICT_QUESTION.search(stretch))
        return False

    def present(self, sentence: Sentence, cue: Cue) -> bool:
        return all(c in sentence.concepts for c in cue.concepts)

    def match(self, sentence: Sentence, cue: Cue) -> CueHit | None:
        if not self.present(sentence, cue) or any(c in sentence.concepts for c in cue.unless):
            return None
        if cue.mood is Mood.STATEMENT and sentence.is_question:
            return None
        if cue.mood is Mood.QUESTION and not sentence.asks:
            return None
        if cue.hedged is not None and sentence.has(self._hedge) != cue.hedged:
            return None
        negated: bool | None = None
        if cue.polarity is not Polarity.ANY:
            # A cue fires when the sentence says it with the wanted polarity somewhere.
            windows = self.negated_windows(sentence, cue.concepts)
            wanted = cue.polarity is Polarity.NEGATIVE
            if wanted not in windows:
                return None
            negated = any(windows)
        if cue.mood is Mood.STATEMENT and self._asks_where_said(sentence, cue.concepts):
            return None
        matches = tuple(sentence.concepts[c][0] for c in cue.concepts)
        exact = all(_is_exact(sentence, m) for m in matches)
        return CueHit(cue, sentence, matches, negated, exact)

    def partial(self, sentence: Sentence, cue: Cue) -> float:
        """Share of the cue's concepts present: how near a sentence came to saying it."""
        found = sum(1 for c in cue.concepts if c in sentence.concepts)
        return found / len(cue.concepts)
