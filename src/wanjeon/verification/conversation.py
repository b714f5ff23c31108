"""A transcript prepared for judgment: sentences with their keys and concepts.

Preparation runs once per verification and is the only pass over all the text;
every rule afterwards looks concepts up instead of re-reading utterances.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from wanjeon.transcript.model import Speaker, Transcript, Utterance
from wanjeon.verification.matching import ConceptIndex, ConceptMatch
from wanjeon.verification.text import Key, make_key

_SENTENCE_END = re.compile(r"(?<=[.?!…])\s+")
_ASKING = re.compile(r"(나요|까요|니까|가요|죠|지요|는지|냐|래요|을까|ㄹ까|거에요|건가요|되나)$")
STRICT_QUESTION = re.compile(r"(나요|까요|니까|가요|는지요|을까요|건가요|아니시죠|아니죠|아니지요|아니세요)$")


@dataclass(frozen=True, slots=True)
class Sentence:
    segment: int
    speaker: Speaker
    text: str
    key: Key
    concepts: dict[str, list[ConceptMatch]]

    def has(self, concept: str) -> bool:
        return concept in self.concepts

    @property
    def asks(self) -> bool:
        """Phrased as a question, tag questions (…거죠) included: how customers ask."""
        stripped = self.text.rstrip()
        return stripped.endswith("?") or (not stripped.endswith(".") and bool(_ASKING.search(self.key.text)))

    @property
    def is_question(self) -> bool:
        """A real question (…나요? …까요?), not an assertion with a tag (…거죠)."""
        stripped = self.text.rstrip()
        if stripped.endswith("?"):
            return True
        return not stripped.endswith(".") and bool(STRICT_QUESTION.search(self.key.text))

    def matched_text(self, match: ConceptMatch) -> str:
        start, end = self.key.original_span(match.start, match.end)
        return self.text[start:end]


@dataclass(frozen=True, slots=True)
class Segment:
    index: int
    utterance: Utterance
    sentences: tuple[Sentence, ...]
    whole: Sentence

    @property
    def concepts(self) -> dict[str, list[ConceptMatch]]:
        return self.whole.concepts

    @property
    def speaker(self) -> Speaker:
        return self.utterance.speaker

    @property
    def is_agent_side(self) -> bool:
        """Agent turns, and unattributed ones (mono recordings) which may be the agent's."""
        return self.utterance.speaker is not Speaker.CUSTOMER


@dataclass(frozen=True, slots=True)
class Conversation:
    segments: tuple[Segment, ...]
    #: concept -> agent-side sentences that mention it, for looking rules up instead of scanning
    agent_sentences_with: dict[str, list[Sentence]]
    #: concept -> agent-side multi-sentence turns that mention it (across their sentences)
    agent_turns_with: dict[str, list[Sentence]]

    def agent_sentences_having(
        self, concepts: tuple[str, ...], *, whole_turns: bool = False
    ) -> list[Sentence]:
        """Agent-side sentences (or whole turns) that mention every one of ``concepts``."""
        index = self.agent_turns_with if whole_turns else self.agent_sentences_with
        lists = [index.get(c, []) for c in concepts]
        rarest = min(lists, key=len)
        return [s for s in rarest if all(c in s.concepts for c in concepts)]

    @classmethod
    def prepare(cls, transcript: Transcript, index: ConceptIndex) -> Conversation:
        """Key and match each turn once; its sentences are slices of the turn's key.

        A concept match that crosses a sentence boundary belongs to the turn only.
        """
        segments = []
        by_sentence: dict[str, list[Sentence]] = {}
        by_turn: dict[str, list[Sentence]] = {}
        for i, utterance in enumerate(transcript.segments):
            text = utterance.text
            key = make_key(text)
            matches = index.find(key.text)
            whole = Sentence(i, utterance.speaker, text, key, matches)
            bounds = _sentence_bounds(text)
            if len(bounds) <= 1:
                sentences: tuple[Sentence, ...] = (whole,)
            else:
                sentences = tuple(_slice(whole, start, end) for start, end in bounds)
            segment = Segment(i, utterance, sentences, whole)
            segments.append(segment)
            if segment.is_agent_side:
                for sentence in sentences:
                    for concept in sentence.concepts:
                        by_sentence.setdefault(concept, []).append(sentence)
                if len(sentences) > 1:
                    for concept in whole.concepts:
                        by_turn.setdefault(concept, []).append(whole)
        return cls(tuple(segments), by_sentence, by_turn)


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of ``text`` (split after . ? ! …), stripped."""
    bounds = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    out = []
    for a, b in bounds:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _slice(whole: Sentence, start: int, end: int) -> Sentence:
    """The sentence ``whole.text[start:end]``, its key and matches cut from the turn's."""
    key = whole.key
    lo = bisect_left(key.index, start)
    hi = bisect_left(key.index, end)
    sub = Key(key.text[lo:hi], tuple(i - start for i in key.index[lo:hi]))
    concepts: dict[str, list[ConceptMatch]] = {}
    for name, matches in whole.concepts.items():
        inside = [
            ConceptMatch(m.concept, m.start - lo, m.end - lo, m.term)
            for m in matches
            if lo <= m.start and m.end <= hi
        ]
        if inside:
            concepts[name] = inside
    return Sentence(whole.segment, whole.speaker, whole.text[start:end], sub, concepts)
