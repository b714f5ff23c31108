"""The customer's side of the conversation: affirmation, confusion, questions.

The duty to explain is met only when the customer understood: after a ✓ item
the customer must affirm, and a sign of confusion must be answered by explaining
again before the agent moves on. These rules read turn-taking, not words alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from wanjeon.rulebook.model import Rulebook
from wanjeon.verification.conversation import Conversation, Segment


class Reply(StrEnum):
    AFFIRM = "affirm"
    ACKNOWLEDGE = "acknowledge"  # a non-negative statement: restating, agreeing in substance
    CONFUSION = "confusion"
    REFUSAL = "refusal"
    DEFERRAL = "deferral"  # "그건 나중에 볼게요": the customer waves the explanation off
    QUESTION = "question"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Response:
    reply: Reply
    segment: Segment | None

    @property
    def confirms(self) -> bool:
        return self.reply in (Reply.AFFIRM, Reply.ACKNOWLEDGE)


@dataclass(frozen=True, slots=True)
class Confusion:
    segment: Segment
    moved_on: Segment | None


class Dialogue:
    def __init__(self, conversation: Conversation, rulebook: Rulebook) -> None:
        self.conversation = conversation
        self.lexicon = rulebook.lexicon
        self.window = int(rulebook.settings.get("confirmation_window", 5))
        self.confusion_window = int(rulebook.settings.get("confusion_window", 3))

    def classify(self, segment: Segment) -> Reply:
        lex = self.lexicon
        if lex.confusion in segment.concepts:
            return Reply.CONFUSION
        if lex.deferral in segment.concepts:
            return Reply.DEFERRAL
        if lex.refusal in segment.concepts and lex.affirmation not in segment.concepts:
            return Reply.REFUSAL
        last = segment.sentences[-1] if segment.sentences else None
        if lex.affirmation in segment.concepts:
            return Reply.AFFIRM
        if last is not None and last.asks:
            return Reply.QUESTION
        return Reply.ACKNOWLEDGE

    def _next_customer(self, index: int, limit: int) -> Segment | None:
        segments = self.conversation.segments
        for seg in segments[index + 1 : index + 1 + limit]:
            if not seg.is_agent_side:
                return seg
        return None

    def response_after(self, index: int) -> Response:
        """How the customer answered what the agent said in segment ``index``.

        Questions back ("하나라도 못 넘으면요?") defer the answer to the customer's
        next turn after the agent replies; confusion counts as understood only if
        the agent explained again before the customer affirmed.
        """
        seg = self._next_customer(index, self.window)
        confusion: Segment | None = None
        for _ in range(3):
            if seg is None:
                break
            reply = self.classify(seg)
            if reply in (Reply.AFFIRM, Reply.ACKNOWLEDGE):
                if confusion is not None and not self._reexplained(confusion, seg.index):
                    return Response(Reply.CONFUSION, confusion)
                return Response(reply, seg)
            if reply in (Reply.REFUSAL, Reply.DEFERRAL):
                return Response(reply, seg)
            if reply is Reply.CONFUSION and confusion is None:
                confusion = seg
            seg = self._next_customer(seg.index, self.window)
        if confusion is not None:
            return Response(Reply.CONFUSION, confusion)
        return Response(Reply.NONE if seg is None else self.classify(seg), seg)

    def _reexplained(self, confusion: Segment, until: int) -> bool:
        segments = self.conversation.segments[confusion.index + 1 : until]
        return any(self.lexicon.reexplain in s.concepts for s in segments if s.is_agent_side)

    def unanswered_confusions(self, items_at: dict[int, set[str]]) -> list[Confusion]:
        """Signs of confusion the agent moved past without explaining again.

        The agent answers when a reply explains again (쉽게 말씀드리면, 예를 들어)
        or stays on the topic the customer was confused by (it covers an item the
        preceding turns covered); anything else is moving on.
        """
        out: list[Confusion] = []
        segments = self.conversation.segments
        for seg in segments:
            if seg.is_agent_side or self.classify(seg) is not Reply.CONFUSION:
                continue
            before: set[str] = set()
            for prev in segments[max(0, seg.index - 3) : seg.index]:
                before |= items_at.get(prev.index, set())
            replies = []
            for nxt in segments[seg.index + 1 :]:
                if not nxt.is_agent_side:
                    break
                replies.append(nxt)
                if len(replies) >= self.confusion_window:
                    break
            # Explaining again answers; staying on the topic answers unless the agent
            # announces the next one ("네, 그럼 다음은 …").
            moved_on = bool(replies) and self.lexicon.moving_on in replies[0].concepts
            answered = any(
                self.lexicon.reexplain in r.concepts
                or (not moved_on and items_at.get(r.index, set()) & before)
                for r in replies
            )
            if not answered:
                out.append(Confusion(seg, replies[0] if replies else None))
        return out
