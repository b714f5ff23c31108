"""Negation and questions decided from morphemes (kiwipiepy) with a surface fallback."""

from __future__ import annotations

import pytest

from wanjeon.adapters.language.kiwi import KiwiAnalyzer
from wanjeon.verification.language import negated
from wanjeon.verification.text import make_key


@pytest.fixture(scope="module")
def analyzer() -> KiwiAnalyzer:
    return KiwiAnalyzer()


@pytest.mark.parametrize(
    ("sentence", "phrase", "expected"),
    [
        ("원금 보장은 안 됩니다.", "원금 보장", True),
        ("그래서 이 상품은 원금이 보장되지 않습니다.", "원금이 보장", True),
        ("원금비보장형이라 손실이 날 수 있어요.", "보장", True),
        ("원금은 지켜진다고 보시면 돼요.", "원금은 지켜", False),
        ("손실이 안 나는 건 아니고요.", "손실", False),
        ("손실 날 일은 거의 없으니까 걱정 안 하셔도 돼요.", "손실", True),
        ("안전한 상품이라고 말씀드릴 수는 없어요.", "안전한 상품", True),
        ("예금자보호를 받지 못합니다.", "예금자보호", True),
        ("이 예금은 예금보험공사가 보호하는 상품이에요.", "예금보험공사", False),
        (
            "예금자포호법에따라 예금보험공사가 보호하지않습니다 예금자보호 대상이아니에요",
            "예금보험공사",
            True,
        ),
    ],
)
def test_negation_is_read_from_the_clause_that_holds_the_phrase(
    analyzer: KiwiAnalyzer, sentence: str, phrase: str, expected: bool
) -> None:
    start = sentence.index(phrase)
    assert negated(analyzer.morphemes(sentence), make_key(sentence), start, start + len(phrase)) is expected


def test_the_analyser_offsets_index_the_sentence(analyzer: KiwiAnalyzer) -> None:
    text = "원금 보장은 안 됩니다"
    for m in analyzer.morphemes(text):
        assert 0 <= m.start < m.end <= len(text)
