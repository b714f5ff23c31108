"""Judging one required explanation item: covered, incorrect or missing — and why.

Only the agent's side can cover an item. A statement covers it directly; a
question covers it only when the customer affirms (the read-back: "예금자보호 안
되는 거 아시죠?" — "네"). A fact check decides between covered and incorrect, and
a later correct statement corrects an earlier wrong one; a wrong statement in a
segment that also says the right thing is a qualification (보호 안 돼요, 다만 특약은
보호돼요), not misinformation. A missing item reports where it was due and the
nearest attempt, so an absence has evidence too.
"""

from __future__ import annotations

from dataclasses import dataclass

from wanjeon.rulebook.model import Concept, Cue, FactCheck, ItemRule, Polarity
from wanjeon.transcript.model import Speaker
from wanjeon.verification.conversation import Conversation, Segment, Sentence
from wanjeon.verification.cues import CueEvaluator, CueHit
from wanjeon.verification.dialogue import Dialogue
from wanjeon.verification.facts import FactChecker, FactResult
from wanjeon.verification.fuzzy import Similarity, jamo
from wanjeon.verification.report import Evidence, ItemResult, ItemStatus, Span

UNATTRIBUTED_FACTOR = 0.85
READBACK_FACTOR = 0.95
WHOLE_TURN_FACTOR = 0.92
APPROXIMATE_FACTOR = 0.7
APPROXIMATE_MIN = 90.0


@dataclass(frozen=True, slots=True)
class Statement:
    hit: CueHit
    fact: FactResult | None
    method: str
    confidence: float

    @property
    def segment(self) -> int:
        return self.hit.sentence.segment


def evidence(conv: Conversation, sentence: Sentence, matched: str, note: str = "") -> Evidence:
    utterance = conv.segments[sentence.segment].utterance
    return Evidence(
        sentence.segment,
        str(utterance.speaker),
        utterance.text,
        utterance.start,
        utterance.end,
        matched,
        note,
    )


class ItemJudge:
    def __init__(
        self,
        conv: Conversation,
        evaluator: CueEvaluator,
        dialogue: Dialogue,
        facts: FactChecker,
        orders: dict[str, int],
        similarity: Similarity | None = None,
        threshold: float = 0.6,
    ) -> None:
        self.conv = conv
        self._orders = orders
        self.similarity = similarity
        self.threshold = threshold
        self.evaluator = evaluator
        self.dialogue = dialogue
        self.facts = facts

    def statements(self, rule: ItemRule) -> list[Statement]:
        """Every agent turn that conveys the item, at most one statement per sentence.

        A cue is tried on each sentence first; when the parts of an explanation are
        spread over a turn's sentences (상품설명서고요. … 가져가세요), on the whole turn.
        Cues are tried strongest first, and a sentence is decided by the first cue
        that fires in it (a read-back question the customer did not affirm decides
        it too: it conveys nothing).
        """
        cues = sorted(rule.cues, key=lambda c: -c.weight)
        decided: dict[int, Statement | None] = {}
        for cue in cues:
            for sentence in self.conv.agent_sentences_having(cue.concepts):
                if id(sentence) not in decided:
                    fired, outcome = self._statement(rule, cue, sentence, 1.0)
                    if fired:
                        decided[id(sentence)] = outcome
        spoken = {s.segment for s in decided.values() if s is not None}
        for cue in cues:
            for turn in self.conv.agent_sentences_having(cue.concepts, whole_turns=True):
                if turn.segment not in spoken and id(turn) not in decided:
                    fired, outcome = self._statement(rule, cue, turn, WHOLE_TURN_FACTOR)
                    if fired:
                        decided[id(turn)] = outcome
        found = [s for s in decided.values() if s is not None]
        return sorted(found, key=lambda s: s.segment)

    def _statement(
        self, rule: ItemRule, cue: Cue, sentence: Sentence, factor: float
    ) -> tuple[bool, Statement | None]:
        """Whether ``cue`` fires in ``sentence``, and the statement it makes there
        (None when it fires in a question the customer did not affirm: decided, but
        conveying nothing)."""
        hit = self.evaluator.match(sentence, cue)
        if hit is None:
            return False, None
        confidence, method = hit.confidence * factor, hit.method
        if factor < 1:
            method += " across the sentences of one turn"
        if sentence.is_question:
            response = self.dialogue.response_after(sentence.segment)
            if not response.confirms:
                return True, None
            confidence *= READBACK_FACTOR
            method = "read-back question affirmed by the customer"
        if self.conv.segments[sentence.segment].speaker is Speaker.UNKNOWN:
            confidence *= UNATTRIBUTED_FACTOR
            method += " (speaker unattributed)"
        return True, Statement(hit, self.facts.check(rule.facts, hit), method, confidence)

    def judge(
        self, rule: ItemRule, statements: list[Statement], covered_at: dict[str, list[int]]
    ) -> tuple[ItemResult, list[Statement]]:
        """The item's result from its ``statements`` (see ``statements``), and the
        wrong statements that stand uncorrected (each one is misinformation)."""
        if not statements:
            approximate = self.approximate(rule)
            statements = [approximate] if approximate else []
        wrong = self._uncorrected_errors(rule, statements)
        if statements:
            # A wrong statement corrected later or within its turn still shows the item was explained.
            chosen = wrong if wrong else statements
            status = ItemStatus.INCORRECT if wrong else ItemStatus.COVERED
            best = max(chosen, key=lambda s: s.confidence)
            confirmed = (
                self._confirmed(rule, chosen)
                if status is ItemStatus.COVERED
                else (False if rule.confirm else None)
            )
            note = "; ".join(s.fact.reason for s in wrong if s.fact) if wrong else ""
            ev = tuple(
                evidence(self.conv, s.hit.sentence, s.hit.matched, s.fact.reason if s.fact else "")
                for s in chosen[:3]
            )
            result = ItemResult(
                rule.id,
                status,
                str(rule.severity),
                confirmed,
                best.confidence,
                best.method,
                rule.source,
                ev,
                note=note,
            )
            return result, wrong
        return self._missing(rule, covered_at), []

    def _uncorrected_errors(self, rule: ItemRule, statements: list[Statement]) -> list[Statement]:
        """Wrong statements that nothing corrects: not a right one later, not a right one in
        the same segment (a qualification), and not the rest of the same turn ("칠 일 안에…
        아, 죄송해요, 보험은 십오 일 안에")."""
        wrong = [s for s in statements if s.fact is not None and not s.fact.correct]
        if not wrong:
            return []
        right_segments = {s.segment for s in statements if s.fact is not None and s.fact.correct}
        wrong = [s for s in wrong if s.segment not in right_segments and not self._turn_corrects(rule, s)]
        last_right = max(right_segments, default=-1)
        return [s for s in wrong if s.segment > last_right]

    def _turn_corrects(self, rule: ItemRule, statement: Statement) -> bool:
        whole = self.conv.segments[statement.segment].whole
        if whole is statement.hit.sentence:
            return False
        turn = CueHit(statement.hit.cue, whole, statement.hit.matches, None, statement.hit.exact)
        result = self.facts.check(rule.facts, turn)
        return result is not None and result.correct

    def _confirmed(self, rule: ItemRule, chosen: list[Statement]) -> bool | None:
        """Whether the customer affirmed the item once it had been explained.

        The customer's answer that counts is the one after the agent's *last*
        explanation of the item (a passing mention earlier does not stand in for
        it), or an affirmed read-back question.
        """
        if not rule.confirm:
            return None
        if any(s.method.startswith("read-back") for s in chosen):
            return True
        last = max(s.segment for s in chosen)
        return self.dialogue.response_after(last).confirms

    def approximate(self, rule: ItemRule) -> Statement | None:
        """A cue completed by approximate (jamo) matching, for an item otherwise missing.

        Only terms of three syllables or more are compared, and only cues without a
        polarity, for items whose facts do not hang on polarity: an approximate word
        cannot carry a negation safely. Number facts (periods, grades) are still checked.
        """
        if self.similarity is None or any(f.check is FactCheck.POLARITY for f in rule.facts):
            return None
        concepts = self.evaluator.rulebook.concepts
        for cue in sorted(rule.cues, key=lambda c: -c.weight):
            if cue.polarity is not Polarity.ANY:
                continue
            for segment in self.conv.segments:
                if not segment.is_agent_side:
                    continue
                for sentence in segment.sentences:
                    found = self._approximate_terms(sentence, cue, concepts)
                    if found:
                        hit = CueHit(cue, sentence, (), None, False)
                        note = "approximate match of " + ", ".join(found)
                        confidence = min(cue.weight * APPROXIMATE_FACTOR, self.threshold - 0.05)
                        fact = self.facts.check(rule.facts, hit)
                        return Statement(hit, fact, f"approximate jamo match (rapidfuzz): {note}", confidence)
        return None

    def _approximate_terms(self, sentence: Sentence, cue: Cue, concepts: dict[str, Concept]) -> list[str]:
        assert self.similarity is not None
        text = jamo(sentence.key.text)
        found: list[str] = []
        for name in cue.concepts:
            if name in sentence.concepts:
                continue
            best = next(
                (
                    term.text
                    for term in concepts[name].terms
                    if term.pattern is None
                    and len(term.key) >= 3
                    and self.similarity.partial(jamo(term.key), text) >= APPROXIMATE_MIN
                ),
                None,
            )
            if best is None:
                return []
            found.append(best)
        return found

    def _missing(self, rule: ItemRule, covered_at: dict[str, list[int]]) -> ItemResult:
        nearest, score, note = self._nearest(rule)
        confidence = 1.0 - 0.4 * score
        due = self._due(rule, covered_at)
        return ItemResult(
            rule.id,
            ItemStatus.MISSING,
            str(rule.severity),
            False if rule.confirm else None,
            confidence,
            "absence: no agent sentence conveys it",
            rule.source,
            (),
            due,
            nearest,
            round(score, 3) if nearest else None,
            note,
        )

    def _nearest(self, rule: ItemRule) -> tuple[Evidence | None, float, str]:
        best: tuple[float, Sentence, str] | None = None
        for segment in self.conv.segments:
            for sentence in segment.sentences:
                for cue in rule.cues:
                    score = self.evaluator.partial(sentence, cue)
                    if score == 0:
                        continue
                    reason = self._why_not(segment, sentence, cue.concepts, score)
                    if not segment.is_agent_side:
                        score *= 0.9
                    if best is None or score > best[0]:
                        best = (score, sentence, reason)
        if best is None:
            return None, 0.0, ""
        score, sentence, reason = best
        matched = " … ".join(
            sentence.matched_text(ms[0])
            for name, ms in sentence.concepts.items()
            if any(name in cue.concepts for cue in rule.cues)
        )
        return evidence(self.conv, sentence, matched, reason), score, reason

    def _why_not(self, segment: Segment, sentence: Sentence, concepts: tuple[str, ...], score: float) -> str:
        if not segment.is_agent_side:
            return "said by the customer; the customer's words never cover the agent's item"
        if score < 1:
            missing = [c for c in concepts if c not in sentence.concepts]
            return "only part of it was said; nothing for: " + ", ".join(missing)
        if sentence.is_question:
            reply = self.dialogue.response_after(sentence.segment).reply
            return f"asked as a question the customer did not affirm (reply: {reply.value})"
        return "said with the wrong polarity or mood for this item"

    def _due(self, rule: ItemRule, covered_at: dict[str, list[int]]) -> Span:
        segments = self.conv.segments
        covered = [(self._orders.get(item_id, 0), segs) for item_id, segs in covered_at.items() if segs]
        before = [segs for order, segs in covered if order <= rule.order]
        after = [segs for order, segs in covered if order > rule.order]
        first = max((max(s) for s in before), default=0)
        last = min((min(s) for s in after), default=len(segments) - 1)
        if last < first:
            first, last = 0, len(segments) - 1
            reason = "the script order was not followed, so the whole consultation was searched"
        else:
            reason = "between the items that precede and follow it in the rulebook's explanation order"
        return Span(first, last, segments[first].utterance.start, segments[last].utterance.end, reason)
