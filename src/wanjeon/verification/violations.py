"""Finding prohibited acts: what the agent says, agrees to, or does to the customer.

Four kinds, named by the rulebook: *pattern* violations said by the agent (or
agreed to: the customer asks "원금 보장되죠?" and the agent answers "네, 그럼요");
*unsuitable* recommendation from the suitability matrix; *unconfirmed*
understanding from the dialogue; and *misinformation*, one per wrong statement
the item judgment found. Each carries the segment that shows it.
"""

from __future__ import annotations

from wanjeon.consultation.model import SaleContext
from wanjeon.rulebook.applicability import SaleFacts
from wanjeon.rulebook.model import Cue, Polarity, Rulebook, ViolationKind, ViolationRule
from wanjeon.verification.conversation import Conversation, Segment, Sentence
from wanjeon.verification.cues import CueEvaluator, CueHit
from wanjeon.verification.dialogue import Dialogue
from wanjeon.verification.items import WHOLE_TURN_FACTOR, Statement, evidence
from wanjeon.verification.report import Evidence, Flag, ViolationResult


class ViolationFinder:
    def __init__(
        self,
        rulebook: Rulebook,
        conv: Conversation,
        evaluator: CueEvaluator,
        dialogue: Dialogue,
        facts: SaleFacts,
        context: SaleContext,
    ) -> None:
        self.rulebook = rulebook
        self.conv = conv
        self.evaluator = evaluator
        self.dialogue = dialogue
        self.facts = facts
        self.context = context

    def find(self, wrong: dict[str, list[Statement]], items_at: dict[int, set[str]]) -> list[ViolationResult]:
        found: list[ViolationResult] = []
        for rule in self.rulebook.violations:
            if not rule.applies.holds(self.facts):
                continue
            if rule.kind is ViolationKind.PATTERN:
                found.extend(self._patterns(rule))
            elif rule.kind is ViolationKind.UNSUITABLE:
                found.extend(self._unsuitable(rule))
            elif rule.kind is ViolationKind.UNCONFIRMED:
                found.extend(self._unconfirmed(rule, items_at))
            else:
                found.extend(self._misinformation(rule, wrong))
        return sorted(found, key=lambda v: (v.segment, v.id))

    def _result(
        self,
        rule: ViolationRule,
        segment: Segment,
        *,
        matched: str,
        confidence: float,
        method: str,
        ev: tuple[Evidence, ...] = (),
        note: str = "",
    ) -> ViolationResult:
        u = segment.utterance
        return ViolationResult(
            rule.id,
            rule.principle,
            str(rule.severity),
            segment.index,
            u.text,
            u.start,
            u.end,
            confidence,
            method,
            rule.source,
            matched,
            ev,
            note,
        )

    def _patterns(self, rule: ViolationRule) -> list[ViolationResult]:
        """Agent sentences that say the prohibited thing; when a turn spreads it over
        sentences ("오늘 서명하시는 분까지만이에요. … 지금 하시는 게 이득이에요"), the
        whole turn, for cues that need no polarity, at a lower confidence."""
        out: dict[int, ViolationResult] = {}
        hits: dict[int, tuple[CueHit, float]] = {}
        # Only sentences that mention every concept of a cue are tried (the conversation's index).
        for cue in rule.patterns:
            for sentence in self.conv.agent_sentences_having(cue.concepts):
                if sentence.segment not in hits and (hit := self.evaluator.match(sentence, cue)) is not None:
                    hits[sentence.segment] = (hit, 1.0)
        for cue in (c for c in rule.patterns if c.polarity is Polarity.ANY):
            for turn in self.conv.agent_sentences_having(cue.concepts, whole_turns=True):
                if turn.segment not in hits and (hit := self.evaluator.match(turn, cue)) is not None:
                    hits[turn.segment] = (hit, WHOLE_TURN_FACTOR)
        for index in sorted(hits):
            hit, factor = hits[index]
            label = hit.cue.label or "pattern"
            out[index] = self._result(
                rule,
                self.conv.segments[index],
                matched=hit.matched,
                confidence=hit.confidence * factor,
                method=f"{hit.method}: {label}" + (" (across the turn)" if factor < 1 else ""),
            )
        for segment, hit, question in self._agreements(rule):
            if segment.index not in out:
                out[segment.index] = self._result(
                    rule,
                    segment,
                    matched=hit.matched,
                    confidence=hit.confidence * 0.95,
                    method=f"agreement with the customer's question: {hit.cue.label or rule.id}",
                    ev=(evidence(self.conv, question, hit.matched, "the customer's question"),),
                )
        return list(out.values())

    def suspicions(self, found: list[ViolationResult]) -> list[Flag]:
        """Near misses of pattern violations, in agent turns where no violation was found."""
        flagged = {v.segment for v in found}
        flags: dict[int, Flag] = {}
        for rule in self.rulebook.violations:
            if not rule.suspicions or not rule.applies.holds(self.facts):
                continue
            for cue in rule.suspicions:
                candidates = [
                    *self.conv.agent_sentences_having(cue.concepts),
                    *self.conv.agent_sentences_having(cue.concepts, whole_turns=True),
                ]
                for sentence in candidates:
                    if sentence.segment in flagged or sentence.segment in flags:
                        continue
                    hit = self.evaluator.match(sentence, cue)
                    if hit is None:
                        continue
                    u = self.conv.segments[sentence.segment].utterance
                    flags[sentence.segment] = Flag(
                        rule.id,
                        sentence.segment,
                        u.text,
                        u.start,
                        u.end,
                        hit.matched,
                        f"possible {rule.id} ({hit.cue.label or 'near miss'}): a person should listen",
                    )
        return [flags[k] for k in sorted(flags)]

    def _first_hit(self, sentence: Sentence, cues: tuple[Cue, ...]) -> CueHit | None:
        for cue in cues:
            hit = self.evaluator.match(sentence, cue)
            if hit is not None:
                return hit
        return None

    def _agreements(self, rule: ViolationRule) -> list[tuple[Segment, CueHit, Sentence]]:
        """Agent turns that say yes to a customer question stating the prohibited thing."""
        if not rule.answers:
            return []
        out = []
        segments = self.conv.segments
        agreement = self.rulebook.lexicon.agreement
        for segment in segments:
            if segment.is_agent_side or not segment.sentences:
                continue
            for question in segment.sentences:
                if not question.asks:
                    continue
                hit = self._first_hit(question, rule.answers)
                if hit is None:
                    continue
                reply = next(
                    (s for s in segments[segment.index + 1 : segment.index + 3] if s.is_agent_side), None
                )
                if reply is None or not reply.sentences or agreement not in reply.sentences[0].concepts:
                    continue
                if self._corrects(reply, hit.cue):
                    continue
                out.append((reply, hit, question))
        return out

    def _corrects(self, reply: Segment, cue: Cue) -> bool:
        """The reply negates what was asked (네, 그런데 원금 보장은 안 돼요) instead of agreeing."""
        for sentence in reply.sentences:
            present = tuple(c for c in cue.concepts if c in sentence.concepts)
            if present and self.evaluator.is_negated(sentence, present):
                return True
        return False

    def _unsuitable(self, rule: ViolationRule) -> list[ViolationResult]:
        segments = self.conv.segments
        if not segments:
            return []
        disclosed = next(
            (
                (seg, hit)
                for seg in segments
                if seg.is_agent_side
                for s in seg.sentences
                if (hit := self._first_hit(s, rule.disclosure)) is not None
            ),
            None,
        )
        if not self.context.recommended and disclosed is not None:
            return []
        recommendation = self.rulebook.lexicon.recommendation
        shown = next((seg for seg in segments if seg.is_agent_side and recommendation in seg.concepts), None)
        target = shown or (disclosed[0] if disclosed else segments[0])
        how = (
            "recommended (투자권유) although the risk grade exceeds the customer's investor type"
            if self.context.recommended
            else "the customer asked for it, but the agent never said it is unsuitable for them"
        )
        matched = ""
        if shown is not None:
            matched = (
                next(
                    shown.sentences[0].matched_text(m[0])
                    for name, m in shown.concepts.items()
                    if name == recommendation
                )
                if recommendation in shown.sentences[0].concepts
                else ""
            )
        return [
            self._result(
                rule, target, matched=matched, confidence=0.97, method="suitability matrix", note=how
            )
        ]

    def _unconfirmed(self, rule: ViolationRule, items_at: dict[int, set[str]]) -> list[ViolationResult]:
        out = []
        for confusion in self.dialogue.unanswered_confusions(items_at):
            segment = confusion.moved_on or confusion.segment
            sentence = confusion.segment.sentences[-1] if confusion.segment.sentences else None
            ev = (evidence(self.conv, sentence, "", "the customer's sign of confusion"),) if sentence else ()
            out.append(
                self._result(
                    rule,
                    confusion.segment,
                    matched=self._confusion_words(confusion.segment),
                    confidence=0.85,
                    method="dialogue: confusion not answered by a new explanation",
                    ev=ev
                    + (
                        (evidence(self.conv, segment.sentences[0], "", "the agent moves on"),)
                        if confusion.moved_on and segment.sentences
                        else ()
                    ),
                )
            )
        return out

    def _confusion_words(self, segment: Segment) -> str:
        for sentence in segment.sentences:
            matches = sentence.concepts.get(self.rulebook.lexicon.confusion)
            if matches:
                return sentence.matched_text(matches[0])
        return ""

    def _misinformation(
        self, rule: ViolationRule, wrong: dict[str, list[Statement]]
    ) -> list[ViolationResult]:
        out: dict[int, ViolationResult] = {}
        for item_id, statements in wrong.items():
            for s in statements:
                segment = self.conv.segments[s.segment]
                if segment.index in out:
                    continue
                out[segment.index] = self._result(
                    rule,
                    segment,
                    matched=s.hit.matched,
                    confidence=s.confidence,
                    method=f"fact check ({item_id})",
                    note=s.fact.reason if s.fact else "",
                )
        return list(out.values())
