"""The live checklist: each utterance re-judges the conversation and reports what changed."""

from __future__ import annotations

from dataclasses import replace

from support import customer, dialogue, product
from wanjeon.consultation.case import Case
from wanjeon.consultation.model import Channel, SaleContext
from wanjeon.rulebook.model import ItemRule
from wanjeon.verification.engine import Verifier
from wanjeon.verification.live import LiveVerification
from wanjeon.verification.report import (
    Flag,
    ItemResult,
    ItemStatus,
    Report,
    Suitability,
    Verdict,
    ViolationResult,
)

BRANCH = SaleContext(True, Channel.BRANCH)


def test_items_tick_at_the_utterance_that_says_them_and_a_wrong_figure_warns_there(
    verifier: Verifier,
) -> None:
    live = LiveVerification(verifier, "live", product("deposit"), customer("stable"), BRANCH)
    assert {"recording_notice", "deposit_insurance"} <= {rule.id for rule in live.checklist}
    said = dialogue(
        "직원: 안녕하세요, 오늘 상담 내용은 녹취됩니다.",
        "고객: 네, 알겠어요.",
        "직원: 이 예금은 예금자보호법에 따라 한 분당 1억원까지 보호됩니다.",
        "직원: 보호 한도는 오천만 원이에요.",
    ).segments
    first, second, third, fourth = (live.add(u) for u in said)
    assert {i.id for i in first.items} == {rule.id for rule in live.checklist}  # the first carries them all
    assert [str(i.status) for i in first.items if i.id == "recording_notice"] == ["covered"]
    assert (second.items, second.violations, second.withdrawn) == ((), (), ())
    assert [(i.id, i.status) for i in third.items] == [("deposit_insurance", ItemStatus.COVERED)]
    assert [(i.id, i.status) for i in fourth.items] == [("deposit_insurance", ItemStatus.INCORRECT)]
    assert [(v.id, v.segment) for v in fourth.violations] == [("misinformation", 3)]
    assert [u.segment for u in (first, second, third, fourth)] == [0, 1, 2, 3]
    assert live.transcript.segments == said
    assert live.report == fourth.report


class ScriptedJudge:
    """Answers each verification with the next report of a script (a fake engine)."""

    def __init__(self, *reports: Report) -> None:
        self.reports = list(reports)
        self.heard: list[int] = []

    def applicable_items(self, case: Case) -> list[ItemRule]:
        return []

    def verify(self, case: Case) -> Report:
        self.heard.append(len(case.transcript.segments))
        return self.reports.pop(0)


def _item(status: ItemStatus, confirmed: bool | None = None) -> ItemResult:
    return ItemResult("risk", status, "high", confirmed, 0.9, "exact", "fcpa_19")


def _violation(segment: int) -> ViolationResult:
    return ViolationResult(
        "guaranteed_principal",
        "false_ad",
        "critical",
        segment,
        "원금 보장돼요",
        None,
        None,
        0.9,
        "pattern",
        "x",
    )


def _report(
    items: tuple[ItemResult, ...], violations: tuple[ViolationResult, ...] = (), flags: tuple[Flag, ...] = ()
) -> Report:
    return Report(Verdict.FAIL, "t", items, violations, Suitability(None, None, None), "", (), flags)


def test_a_warning_taken_back_by_a_later_judgment_is_withdrawn_and_nothing_unchanged_is_resent() -> None:
    flag = Flag("deposit_equivalence", 1, "예금 같은 거예요", None, None, "예금", "near miss")
    judge = ScriptedJudge(
        _report((_item(ItemStatus.MISSING),)),
        _report((_item(ItemStatus.MISSING),), (_violation(1),), (flag,)),
        _report((_item(ItemStatus.COVERED),), (), (flag,)),
        _report((_item(ItemStatus.COVERED, confirmed=True),)),
    )
    live = LiveVerification(judge, "live", product("fund"), customer(), BRANCH)
    said = dialogue(
        "직원: 안녕하세요",
        "직원: 원금 보장돼요",
        "직원: 아닙니다, 원금 손실이 날 수 있어요",
        "고객: 네 이해했어요",
    )
    updates = [live.add(u) for u in said.segments]
    assert judge.heard == [1, 2, 3, 4]  # every utterance re-judges everything said so far
    assert [len(u.items) for u in updates] == [1, 0, 1, 1]
    assert [[v.segment for v in u.violations] for u in updates] == [[], [1], [], []]
    assert [[v.segment for v in u.withdrawn] for u in updates] == [[], [], [1], []]
    assert [len(u.flags) for u in updates] == [0, 1, 0, 0]
    assert updates[3].items == (replace(_item(ItemStatus.COVERED), confirmed=True),)
