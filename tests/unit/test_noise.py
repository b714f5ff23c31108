"""ASR-like noise: reproducible, realistic in amount, and faithful to what was said."""

from __future__ import annotations

import random

import pytest

from wanjeon.evaluation.noise import (
    apply_noise,
    noisy_transcript,
    numbers_as_words,
    spell_decimal,
    spell_native,
    spell_sino,
)
from wanjeon.transcript.model import Speaker, Transcript, Utterance, Word

SENTENCES = (
    "지금부터 상담 내용은 녹취됩니다. 괜찮으시죠?",
    "이 상품은 예금자보호법에 따라 보호되지 않습니다, 원금 손실이 발생할 수 있어요!",
    "투자하신 원금 전액을 잃으실 수도 있고요 위험등급은 2등급 높은 위험입니다.",
    "설명서를 드릴 테니 가져가셔서 한번 더 읽어 보세요 궁금하신 건 언제든 물어보세요.",
    "가입하시고 7일 안에 청약철회 하실 수 있고 연락은 고객센터로 주시면 됩니다.",
)


def transcript() -> Transcript:
    return Transcript(
        segments=tuple(
            Utterance(
                speaker=Speaker.AGENT if i % 2 == 0 else Speaker.CUSTOMER,
                text=text,
                start=float(i),
                end=i + 0.5,
                words=(Word(text="지금부터"),),
            )
            for i, text in enumerate(SENTENCES)
        ),
        metadata={"source": "test"},
    )


def test_the_same_seed_gives_the_same_noise() -> None:
    assert noisy_transcript(transcript(), seed=11) == noisy_transcript(transcript(), seed=11)


def test_different_seeds_give_different_noise() -> None:
    first = [u.text for u in noisy_transcript(transcript(), seed=1).segments]
    second = [u.text for u in noisy_transcript(transcript(), seed=2).segments]

    assert first != second


def test_a_noisy_transcript_keeps_speakers_and_times_and_records_the_seed() -> None:
    clean = transcript()

    noisy = noisy_transcript(clean, seed=5)

    assert [(u.speaker, u.start, u.end) for u in noisy.segments] == [
        (u.speaker, u.start, u.end) for u in clean.segments
    ]
    assert all(u.words == () for u in noisy.segments)
    assert noisy.metadata == {"source": "test", "noise_seed": "5", "noise_level": "1"}
    assert clean.segments[0].text == SENTENCES[0]


def test_level_zero_leaves_the_text_unchanged() -> None:
    rng = random.Random(3)

    assert [apply_noise(s, rng, level=0.0) for s in SENTENCES] == list(SENTENCES)


def test_a_negative_level_is_refused() -> None:
    with pytest.raises(ValueError, match="noise level"):
        apply_noise("네", random.Random(0), level=-1.0)


def test_most_spaces_are_dropped_but_not_all() -> None:
    rng = random.Random(42)
    clean = SENTENCES * 20

    kept = sum(apply_noise(s, rng).count(" ") for s in clean) / sum(s.count(" ") for s in clean)

    assert 0.1 < kept < 0.3


def test_a_few_syllables_become_near_homophones() -> None:
    from wanjeon.evaluation import noise

    rng = random.Random(42)
    clean = "".join(SENTENCES * 40)

    swapped = noise._swap_syllables(clean, rng, noise.SWAP_RATE)

    hangul = [(a, b) for a, b in zip(clean, swapped, strict=True) if "가" <= a <= "힣"]
    rate = sum(a != b for a, b in hangul) / len(hangul)
    assert 0.04 < rate < 0.09


def test_near_homophones_follow_korean_sound_changes() -> None:
    from wanjeon.evaluation.noise import _homophones

    assert "포" in _homophones("보", "")  # ㅂ → ㅍ
    assert "끕" in _homophones("급", "등")  # tensification after a final consonant
    assert "씰" in _homophones("실", "손")
    assert "돼" in _homophones("되", "")  # ㅚ ↔ ㅙ
    assert "네" in _homophones("내", "")  # ㅐ ↔ ㅔ
    assert "떠" in _homophones("더", "만")
    assert "떠" not in _homophones("더", "가")  # no final consonant, no tensification
    assert _homophones("a", "") == []


def test_punctuation_is_lost() -> None:
    rng = random.Random(0)

    noisy = apply_noise("네. 알겠습니다, 맞죠? 좋아요!", rng, level=2.0)

    assert not set(noisy) & set(".,?!")


def test_ascii_letters_are_never_touched() -> None:
    rng = random.Random(9)
    text = "기초자산은 KOSPI200, S&P500, EURO STOXX 50 지수이고 A2- 등급입니다."

    for _ in range(50):
        noisy = apply_noise(text, rng, level=2.0)
        for word in ("KOSPI200", "S&P500", "EURO STOXX", "A2-"):
            assert word in noisy


@pytest.mark.parametrize(
    ("clean", "heard"),
    [
        ("7일", "칠일"),
        ("연 3.1%", "연 삼점일퍼센트"),
        ("1억 원", "일억 원"),
        ("5천만 원", "오천만 원"),
        ("1천만 원", "천만 원"),
        ("14", "십사"),
        ("2등급", "이등급"),
        ("38,500원", "삼만팔천오백원"),
        ("0.5%p", "영점오퍼센트포인트"),
        ("3개월", "삼개월"),
        ("3개", "세개"),
        ("3시에 2명", "세시에 두명"),
        ("20살", "스무살"),
        ("1번째", "첫번째"),
        ("6월 10월", "유월 시월"),
        ("2025년", "이천이십오년"),
        ("02-1332", "영이일삼삼이"),
    ],
)
def test_digits_are_read_as_korean_words(clean: str, heard: str) -> None:
    assert numbers_as_words(clean) == heard


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "영"),
        (10, "십"),
        (11, "십일"),
        (101, "백일"),
        (1001, "천일"),
        (10_000, "만"),
        (11_000, "만천"),
        (100_000_000, "일억"),
        (123_456_789_012, "천이백삼십사억오천육백칠십팔만구천십이"),
        (10**12, "일조"),
    ],
)
def test_integers_are_spelled_in_sino_korean(number: int, words: str) -> None:
    assert spell_sino(number) == words


def test_decimals_read_their_fraction_digit_by_digit() -> None:
    assert spell_decimal("0", "05") == "영점영오"
    assert spell_decimal("4", "12") == "사점일이"


def test_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        spell_sino(-1)
    with pytest.raises(ValueError):
        spell_sino(10**16)
    with pytest.raises(ValueError):
        spell_native(100)
