"""Personal data is masked digit by digit, in place, written or spoken; nothing else is."""

from __future__ import annotations

import logging
import random

import pytest

from wanjeon.privacy.masking import (
    Finding,
    MaskingLogFilter,
    find_personal_data,
    mask_report_dict,
    mask_text,
    mask_transcript,
)
from wanjeon.transcript.model import Speaker, Transcript, Utterance, Word
from wanjeon.verification.report import (
    Evidence,
    ItemResult,
    ItemStatus,
    Report,
    Suitability,
    Verdict,
    ViolationResult,
)

# (sentence, the same sentence masked, kinds found)
MASKED = [
    # 주민등록번호, written
    ("네, 주민번호는 900101-1234567이에요", "네, 주민번호는 ******-*******이에요", ["rrn"]),
    ("주민등록번호 900101 1234567 맞으세요?", "주민등록번호 ****** ******* 맞으세요?", ["rrn"]),
    ("9001011234567 입니다", "************* 입니다", ["rrn"]),
    ("외국인등록번호는 850315-5123456입니다.", "외국인등록번호는 ******-*******입니다.", ["rrn"]),
    # 주민등록번호, spoken
    (
        "주민번호는 구공공일공일 다시 일이삼사오육칠이에요",
        "주민번호는 ****** 다시 *******이에요",
        ["rrn"],
    ),
    ("구 공 공 일 공 일 일 이 삼 사 오 육 칠 이요", "* * * * * * * * * * * * * 이요", ["rrn"]),
    ("팔오공삼일오-이일이삼사오육 맞습니다", "******-******* 맞습니다", ["rrn"]),
    ("뒷자리는 1234567이에요", "뒷자리는 *******이에요", ["rrn"]),
    ("앞자리 구공공일공일 뒷자리 일이삼사오육칠", "앞자리 구공공일공일 뒷자리 *******", ["rrn"]),
    # mobile, written
    ("제 번호는 010-1234-5678이요", "제 번호는 ***-****-****이요", ["mobile"]),
    ("01012345678로 문자 주세요", "***********로 문자 주세요", ["mobile"]),
    ("연락처 010 1234 5678 맞으시죠?", "연락처 *** **** **** 맞으시죠?", ["mobile"]),
    ("해외에선 +82 10-1234-5678로 받아요", "해외에선 +82 **-****-****로 받아요", ["mobile"]),
    ("+821012345678", "+82**********", ["mobile"]),
    ("예전 번호 011-123-4567은 해지했어요", "예전 번호 ***-***-****은 해지했어요", ["mobile"]),
    ("０１０－１２３４－５６７８", "***－****－****", ["mobile"]),
    # mobile, spoken
    ("연락처는 공일공 일이삼사 오육칠팔이에요", "연락처는 *** **** ****이에요", ["mobile"]),
    ("공일공에 일이삼사에 오육칠팔", "***에 ****에 ****", ["mobile"]),
    ("공 일 공 일 이 삼 사 오 육 칠 팔 번이요", "* * * * * * * * * * * 번이요", ["mobile"]),
    ("번호가 공일공의 일이삼사의 오육칠팔입니다", "번호가 ***의 ****의 ****입니다", ["mobile"]),
    ("영일영, 구팔칠육, 오사삼이요", "***, ****, ****요", ["mobile"]),
    ("010에 구팔칠육 오사삼이", "***에 **** ****", ["mobile"]),
    ("0 1 0 9 8 7 6 5 4 3 2 맞아요", "* * * * * * * * * * * 맞아요", ["mobile"]),
    # card
    ("카드번호 1234-5678-9012-3456 불러드릴게요", "카드번호 ****-****-****-**** 불러드릴게요", ["card"]),
    ("1234 5678 9012 3456 이 카드로 할게요", "**** **** **** **** 이 카드로 할게요", ["card"]),
    ("결제 카드는 4518421234567890입니다", "결제 카드는 ****************입니다", ["card"]),
    (
        "카드번호는 일이삼사 오육칠팔 구공일이 삼사오육입니다",
        "카드번호는 **** **** **** ****입니다",
        ["card"],
    ),
    # bank account
    ("입금은 신한 110-123-456789로 해 주세요", "입금은 신한 ***-***-******로 해 주세요", ["account"]),
    ("우리은행 1002-123-456789 맞으세요?", "우리은행 ****-***-****** 맞으세요?", ["account"]),
    ("기업은행 123-456789-01-001이고요", "기업은행 ***-******-**-***이고요", ["account"]),
    ("계좌번호 1101234567890으로 이체됩니다", "계좌번호 *************으로 이체됩니다", ["account"]),
    ("계좌번호는 일일공 일이삼 사오육칠팔구예요", "계좌번호는 *** *** ******예요", ["account"]),
    (
        "통장 번호가 삼삼삼삼 공일 일이삼사오육칠이고요",
        "통장 번호가 **** ** *******이고요",
        ["account"],
    ),
    # more than one in a sentence
    (
        "주민번호 900101-1234567, 연락처 010-9876-5432입니다",
        "주민번호 ******-*******, 연락처 ***-****-****입니다",
        ["rrn", "mobile"],
    ),
    ("900101-1234567 01012345678", "******-******* ***********", ["rrn", "mobile"]),
]

UNTOUCHED = [
    "카드 끝자리 4821이요",
    "계좌 끝자리 사팔이일 맞으시죠?",
    "3천만 원 넣으시면 됩니다",
    "30,000,000원입니다",
    "1,000,000,000,000원까지 가능합니다",
    "이체 금액 1000000000원 확인했습니다",
    "금리는 연 4.12%예요",
    "2025-09-01에 가입하셨어요",
    "2025.09.01 14:30:00에 녹취 시작",
    "오후 2시 30분에 다시 연락드릴게요",
    "금융감독원 1332로 문의하시면 됩니다",
    "고객센터 1588-1234로 전화 주세요",
    "생년월일 900101이요",
    "생년월일은 구공공일공일이에요",
    "생년월일 여섯 자리만 말씀해 주세요",
    "대표번호 02-1234-5678입니다",
    "사업자번호 123-45-67890",
    "이 상품은 원금 보장이 안 되고 예금보험공사가 보호하지 않습니다",
    "이율은 연 사 점 오 퍼센트이고 오 년 만기입니다",
    "일일이 설명드릴게요. 이사 오 일 후에 철회하실 수 있어요",
    "삼 년 만기에 이 점 오 퍼센트, 일 번 상품 이 번 상품",
    "영업점에 오시면 공시 자료를 드려요",
    "공일공 일이삼사",
    "1 2 3 4 5 6 7 8 9 10 순서대로 보시면 돼요",
    "위험등급 2등급, 투자 기간 36개월",
]

ALL_TEXTS = [text for text, _, _ in MASKED] + UNTOUCHED


@pytest.mark.parametrize(("text", "expected", "kinds"), MASKED)
def test_each_digit_of_personal_data_is_replaced_by_a_star(
    text: str, expected: str, kinds: list[str]
) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(("text", "expected", "kinds"), MASKED)
def test_findings_name_the_kind_and_span_the_masked_digits(
    text: str, expected: str, kinds: list[str]
) -> None:
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == kinds
    for f in findings:
        assert expected[f.start] == "*" and expected[f.end - 1] == "*"
    starred = {i for i, c in enumerate(expected) if c == "*" and text[i] != "*"}
    assert starred <= {i for f in findings for i in range(f.start, f.end)}


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_masking_keeps_every_character_position(text: str) -> None:
    masked = mask_text(text)
    assert len(masked) == len(text)
    assert all(m in (t, "*") for t, m in zip(text, masked, strict=True))


@pytest.mark.parametrize("text", UNTOUCHED)
def test_amounts_rates_dates_short_numbers_and_words_are_left_alone(text: str) -> None:
    assert find_personal_data(text) == []
    assert mask_text(text) == text


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_masking_twice_is_masking_once(text: str) -> None:
    once = mask_text(text)
    assert mask_text(once) == once
    assert find_personal_data(once) == []


def test_a_finding_spans_separators_but_only_digits_are_masked() -> None:
    text = "구공공일공일 하이픈 일이삼사오육칠"
    assert find_personal_data(text) == [Finding("rrn", 0, len(text))]
    assert mask_text(text) == "****** 하이픈 *******"


def test_a_number_cut_across_segments_is_masked_in_each_segment_and_word() -> None:
    transcript = Transcript(
        segments=(
            Utterance(Speaker.AGENT, "연락처 말씀해 주세요", 0.0, 1.5),
            Utterance(
                Speaker.CUSTOMER,
                "네 공일공 일이삼사",
                2.0,
                3.0,
                words=(Word("네", 2.0, 2.2), Word("공일공", 2.3, 2.6), Word("일이삼사", 2.7, 3.0)),
                confidence=0.9,
            ),
            Utterance(
                Speaker.CUSTOMER, "오육칠팔이에요", 3.4, 4.0, words=(Word("오육칠팔이에요", 3.4, 4.0),)
            ),
        ),
        metadata={"call_id": "20250901-0001"},
    )
    masked = mask_transcript(transcript)
    assert [u.text for u in masked.segments] == ["연락처 말씀해 주세요", "네 *** ****", "****이에요"]
    assert [w.text for w in masked.segments[1].words] == ["네", "***", "****"]
    assert masked.segments[2].words[0].text == "****이에요"
    assert [(u.speaker, u.start, u.end, u.confidence) for u in masked.segments] == [
        (u.speaker, u.start, u.end, u.confidence) for u in transcript.segments
    ]
    assert masked.segments[1].words[1].start == 2.3
    assert masked.metadata == transcript.metadata


def _report(text: str) -> Report:
    evidence = Evidence(segment=4, speaker="customer", text=text, start=12.0, end=15.5, matched="5678이요")
    item = ItemResult(
        id="contact_confirmed",
        status=ItemStatus.COVERED,
        severity="major",
        confirmed=True,
        confidence=0.9,
        method="phrase",
        source="rulebook",
        evidence=(evidence,),
        nearest=evidence,
        nearest_score=0.8,
    )
    violation = ViolationResult(
        id="v1",
        principle="suitability",
        severity="critical",
        segment=4,
        text=text,
        start=12.0,
        end=15.5,
        confidence=0.7,
        method="phrase",
        source="rulebook",
        matched="010-1234-5678",
    )
    return Report(Verdict.REVIEW, "2025.1", (item,), (violation,), Suitability(None, None, None), "요약")


def test_a_report_dict_has_text_and_matched_masked_and_nothing_else_changed() -> None:
    text = "제 번호는 010-1234-5678이요"
    original = _report(text).to_dict()
    masked = mask_report_dict(original)
    evidence = masked["items"][0]["evidence"][0]
    assert evidence["text"] == "제 번호는 ***-****-****이요"
    assert evidence["matched"] == "****이요"
    assert masked["items"][0]["nearest"]["text"] == evidence["text"]
    assert masked["violations"][0]["matched"] == "***-****-****"
    assert original["items"][0]["evidence"][0]["text"] == text

    def shape(value: object) -> object:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items() if k not in ("text", "matched")}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return value

    assert shape(masked) == shape(original)


def test_log_messages_are_masked_before_they_are_written() -> None:
    record = logging.LogRecord(
        "wanjeon", logging.INFO, __file__, 1, "고객 %s 연락처 %s", ("홍길동", "010-1234-5678"), None
    )
    assert MaskingLogFilter().filter(record)
    assert record.getMessage() == "고객 홍길동 연락처 ***-****-****"


def test_random_mixtures_of_digits_and_separators_keep_positions_and_mask_once() -> None:
    rng = random.Random(20250901)
    pieces = [
        *"0123456789",
        *"영공일이삼사오육칠팔구",
        " ",
        "-",
        ".",
        ",",
        "다시",
        "에",
        "이에요",
        "계좌",
        "뒷자리",
        "+82",
        "원",
        "이율",
        "\n",
    ]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 60)))
        masked = mask_text(text)
        assert len(masked) == len(text)
        assert all(
            m == t or (t.isdigit() or t in "영공일이삼사오육칠팔구")
            for t, m in zip(text, masked, strict=True)
        )
        assert mask_text(masked) == masked


def test_log_arguments_stay_positional_for_formatters_that_unpack_them() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/consultations?agent=010-1234-5678", "1.1", 200),
        None,
    )
    assert MaskingLogFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    assert "010-1234-5678" not in record.getMessage() and record.args[4] == 200


def _corpus() -> list[str]:
    """Every sentence above, every utterance of the dev set and the held-out sets, and
    the log lines the access log writes."""
    from pathlib import Path

    from support import DEVSET
    from wanjeon.adapters.files.loader import list_case_files, load_case

    texts = list(ALL_TEXTS)
    tests = Path(__file__).resolve().parents[1]
    for folder in [DEVSET, *sorted(tests.glob("heldout*"))]:
        for path in list_case_files(folder):
            texts += [u.text for u in load_case(path).transcript.segments]
    return [*texts, "127.0.0.1:54321", "/api/v1/consultations/cs-686c4111d5085a2b/report?limit=50"]


def test_the_quick_rule_out_never_hides_personal_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seven-digits search that skips most text must find everything the full reading
    finds: compared on the whole corpus with the search made to let everything through."""
    import re

    import wanjeon.privacy.masking as masking

    corpus = _corpus()
    quick = [find_personal_data(text) for text in corpus]
    ruled_out = sum(1 for text in corpus if masking._MAY_HOLD.search(text) is None)
    monkeypatch.setattr(masking, "_MAY_HOLD", re.compile(""))
    assert quick == [find_personal_data(text) for text in corpus]
    assert sum(map(len, quick)) >= len(MASKED)
    assert ruled_out > len(corpus) // 2  # it does spare the full reading for most text
