"""Keys make ASR output and rule terms comparable: spacing, homophones, numbers."""

from __future__ import annotations

import pytest

from wanjeon.verification.text import flatten, key_of, make_key, parse_sino


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("예금자포호", "예금자보호"),
        ("위험등끕", "위험등급"),
        ("상품설명써", "상품설명서"),
        ("원금손씰", "원금 손실"),
        ("중도헤지", "중도해지"),
    ],
)
def test_near_homophone_syllables_share_a_key(spoken: str, written: str) -> None:
    assert key_of(spoken) == key_of(written)


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("칠일 안에", "7일 안에"),
        ("구십일 이내", "90일 이내"),
        ("십사일", "14일"),
        ("삼등급", "3등급"),
        ("영점오퍼센트", "0.5%"),
        ("연 삼점일 퍼센트", "연 3.1%"),
        ("최고 일억 원", "최고 1억 원"),
        ("오천만 원", "5천만 원"),
        ("이천오백만 원", "25,000,000원"),
        ("이틀", "2일"),
        ("보름", "15일"),
        ("석 달", "3개월"),
        ("사쩜영오퍼센트", "4.05%"),
    ],
)
def test_numbers_said_as_words_read_as_digits(words: str, digits: str) -> None:
    assert key_of(words) == key_of(digits)


@pytest.mark.parametrize("word", ["사주세요", "이번 주", "일반암", "이자", "구조는", "발행", "전액"])
def test_ordinary_words_made_of_numeral_syllables_stay_words(word: str) -> None:
    assert not any(c.isdigit() for c in key_of(word))


def test_spaces_and_punctuation_do_not_matter() -> None:
    assert key_of("원금 손실이, 발생할 수 있습니다.") == key_of("원금손실이발생할수있습니다")


def test_a_key_maps_back_to_the_original_words() -> None:
    text = "이 상품은 원금 손실이 날 수 있어요"
    key = make_key(text)
    start = key.text.index(key_of("원금손실"))
    a, b = key.original_span(start, start + len(key_of("원금손실")))
    assert text[a:b] == "원금 손실"


@pytest.mark.parametrize(
    ("run", "value"), [("구십", 90), ("오천만", 50_000_000), ("삼점일", 3.1), ("사칠", None)]
)
def test_sino_korean_numerals_parse_or_refuse(run: str, value: float | None) -> None:
    assert parse_sino(flatten(run)) == value
