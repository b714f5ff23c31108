"""Each rule family of the engine, shown on a small dialogue written for the test.

The wording here is deliberately not the dev set's: these are the behaviours the
engine must have on consultations nobody has seen.
"""

from __future__ import annotations

from support import case, customer, dialogue, product, status, violation_ids
from wanjeon.verification.engine import Verifier

# --- paraphrase ----------------------------------------------------------------------------


def test_losing_the_money_put_in_said_in_plain_words_covers_principal_loss(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 주식시장이 나빠지면 넣으신 돈에서 손해가 날 수 있고요, 심하면 투자하신 금액을 전부 잃으실 수도 있습니다.",
                "고객: 네, 알겠어요.",
            ),
        )
    )
    assert status(report, "principal_loss_risk") == "covered"
    assert report.item("principal_loss_risk").confirmed is True  # type: ignore[union-attr]


def test_a_recording_told_as_video_being_kept_covers_the_recording_notice(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("deposit"),
            dialogue(
                "직원: 참고로 이 상담은 화면과 소리가 모두 녹화되어 보관됩니다.",
                "고객: 네.",
            ),
        )
    )
    assert status(report, "recording_notice") == "covered"


def test_complaints_routed_to_the_supervisor_in_plain_words_cover_the_complaint_procedure(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(
            product("credit_loan"),
            dialogue(
                "직원: 처리 과정이 억울하시면 저희 소비자보호팀에 말씀하시고, 그래도 안 풀리면 금감원에 도움을 요청하시면 됩니다.",
            ),
        )
    )
    assert status(report, "complaint_procedure") == "covered"


def test_a_friendly_goodbye_does_not_cover_the_complaint_procedure(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("credit_loan"),
            dialogue(
                "직원: 궁금한 거 생기시면 언제든 저한테 연락 주세요.",
                "고객: 네, 고마워요.",
            ),
        )
    )
    assert status(report, "complaint_procedure") == "missing"


# --- negation ----------------------------------------------------------------------------


def test_saying_the_principal_is_not_guaranteed_is_an_explanation_not_a_promise(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "직원: 이 상품은 원금이 보장되는 상품이 아니에요. 지수가 많이 떨어지면 원금 손실이 생깁니다.",
                "고객: 네, 알고 있어요.",
            ),
        )
    )
    assert "guaranteed_principal" not in violation_ids(report)
    assert status(report, "principal_loss_risk") == "covered"


def test_promising_the_principal_is_kept_is_guaranteed_principal(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "직원: 걱정 마세요, 원금은 지켜지는 구조라고 보시면 돼요.",
            ),
        )
    )
    assert "guaranteed_principal" in violation_ids(report)
    assert report.verdict.value == "fail"


def test_a_double_negation_about_losses_is_not_a_promise(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("wrap"),
            dialogue(
                "직원: 채권을 섞어서 덜 출렁이긴 하지만, 그렇다고 손실이 안 나는 건 아니에요.",
            ),
        )
    )
    assert "guaranteed_return" not in violation_ids(report)
    assert "risk_denial" not in violation_ids(report)


def test_saying_losses_never_happen_is_a_guaranteed_return(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 이 펀드는 손해 볼 일 없어요.",
            ),
        )
    )
    assert "guaranteed_return" in violation_ids(report)


def test_saying_losses_hardly_happen_is_risk_denial(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 솔직히 손실 날 일은 별로 없으니까 마음 편히 두세요.",
            ),
        )
    )
    assert "risk_denial" in violation_ids(report)
    assert "guaranteed_return" not in violation_ids(report)


def test_declining_to_call_a_product_safe_is_not_risk_denial(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("dls"),
            dialogue(
                "직원: 성향에 맞는다고 해서 안전한 상품이라고 할 수는 없습니다.",
            ),
        )
    )
    assert "risk_denial" not in violation_ids(report)


# --- questions -------------------------------------------------------------------------------


def test_the_customer_asking_about_a_guarantee_is_not_a_violation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "고객: 이거 원금은 보장되는 거죠?",
                "직원: 아니요, 원금이 보장되지 않습니다. 최악의 경우 전부 잃으실 수 있어요.",
            ),
        )
    )
    assert "guaranteed_principal" not in violation_ids(report)


def test_agreeing_when_the_customer_asks_for_a_guarantee_is_guaranteed_principal(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "고객: 그래도 원금은 보장되는 거죠?",
                "직원: 네, 물론이죠. 그 부분은 신경 안 쓰셔도 됩니다.",
            ),
        )
    )
    found = [v for v in report.violations if v.id == "guaranteed_principal"]
    assert found and found[0].segment == 1
    assert found[0].evidence and found[0].evidence[0].segment == 0


def test_agreeing_that_the_principal_is_not_guaranteed_is_no_violation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("dls"),
            dialogue(
                "고객: 결국 원금 보장은 안 되는 거네요?",
                "직원: 네, 맞아요. 보장 안 됩니다.",
            ),
        )
    )
    assert "guaranteed_principal" not in violation_ids(report)


# --- read-back ---------------------------------------------------------------------------------


def test_a_read_back_question_the_customer_affirms_covers_the_item(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("elf", withdrawal_days=7),
            dialogue(
                "직원: 이 펀드는 예금자보호가 되지 않는다는 점, 알고 계시죠?",
                "고객: 네, 알고 있어요.",
            ),
        )
    )
    item = report.item("deposit_insurance")
    assert item is not None and item.status.value == "covered"
    assert "read-back" in item.method


def test_a_read_back_question_the_customer_does_not_affirm_covers_nothing(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("elf", withdrawal_days=7),
            dialogue(
                "직원: 가입하고 7일 안에는 청약철회 하실 수 있다는 거 들으셨나요?",
                "고객: 아니요, 처음 들어요.",
            ),
        )
    )
    assert status(report, "withdrawal_right") == "missing"


def test_the_customer_saying_it_never_covers_the_agents_item(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("savings"),
            dialogue(
                "고객: 중간에 깨면 이자를 거의 못 받는 거죠?",
                "직원: 그건 나중에 앱에서 확인해 보세요.",
            ),
        )
    )
    item = report.item("early_termination")
    assert item is not None and item.status.value == "missing"
    assert item.nearest is not None and item.nearest.speaker == "customer"


# --- polarity against the product's facts ---------------------------------------------------------


def test_calling_an_uninsured_product_deposit_insured_is_incorrect_and_misinformation(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "직원: 이것도 은행 상품이라 예금자보호가 됩니다.",
            ),
        )
    )
    assert status(report, "deposit_insurance") == "incorrect"
    assert "misinformation" in violation_ids(report)


def test_the_outdated_protection_limit_is_incorrect(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("deposit"),
            dialogue(
                "직원: 예금자보호는 한 분당 오천만 원까지 받으실 수 있어요.",
            ),
        )
    )
    assert status(report, "deposit_insurance") == "incorrect"


def test_the_current_protection_limit_said_in_words_is_covered(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("deposit"),
            dialogue(
                "직원: 예금자보호는 한 분당 최고 일억 원까지 됩니다.",
            ),
        )
    )
    assert status(report, "deposit_insurance") == "covered"


def test_a_wrong_risk_grade_is_incorrect(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("bond", risk_grade=2),
            dialogue(
                "직원: 이 채권의 위험등급은 5등급, 낮은 위험입니다.",
            ),
        )
    )
    assert status(report, "risk_grade") == "incorrect"
    assert "misinformation" in violation_ids(report)


def test_a_loan_withdrawal_period_of_seven_days_is_incorrect(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("mortgage"),
            dialogue(
                "직원: 대출 계약은 일주일 안에 철회하실 수 있어요.",
            ),
        )
    )
    assert status(report, "withdrawal_right") == "incorrect"


def test_an_insurance_withdrawal_period_of_fifteen_days_is_covered(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("protection_insurance"),
            dialogue(
                "직원: 증권 받으시고 보름 안에는 청약을 철회하실 수 있고, 청약일부터 30일이 지나면 안 됩니다.",
            ),
        )
    )
    assert status(report, "withdrawal_right") == "covered"


def test_a_slip_corrected_within_the_same_turn_is_covered_not_incorrect(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("protection_insurance"),
            dialogue(
                "직원: 청약철회는 칠 일 안에… 아, 죄송합니다. 보험은 증권 받으신 날부터 십오 일, 청약일부터 삼십 일 중 먼저 오는 날까지예요.",
            ),
        )
    )
    assert status(report, "withdrawal_right") == "covered"
    assert "misinformation" not in violation_ids(report)


def test_a_grade_named_while_explaining_which_types_may_buy_it_is_not_a_wrong_grade(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(
            product("fund", risk_grade=2),
            dialogue(
                "직원: 이 펀드는 위험등급 2등급, 높은 위험입니다.",
                "직원: 1등급 매우 높은 위험 상품은 공격투자형 고객님께만 권해 드릴 수 있어요.",
            ),
            customer("active"),
        )
    )
    assert status(report, "risk_grade") == "covered"


def test_a_later_correction_of_a_wrong_grade_leaves_the_item_covered(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund", risk_grade=2),
            dialogue(
                "직원: 위험등급은 3등급이고요.",
                "직원: 아, 죄송합니다. 다시 보니 2등급, 높은 위험 상품이네요.",
            ),
        )
    )
    assert status(report, "risk_grade") == "covered"


# --- confusion --------------------------------------------------------------------------------------


def test_confusion_answered_with_a_new_explanation_is_no_violation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 운용 결과에 따라 원금 손실이 생길 수 있고 그 손실은 고객님께 귀속됩니다.",
                "고객: 귀속이요? 무슨 말씀인지 잘 모르겠어요.",
                "직원: 쉽게 말씀드리면, 백만 원 넣으셨다가 값이 떨어지면 그만큼 덜 돌려받으신다는 뜻이에요.",
                "고객: 아, 이제 알겠어요.",
            ),
        )
    )
    assert "unconfirmed_understanding" not in violation_ids(report)
    assert report.item("principal_loss_risk").confirmed is True  # type: ignore[union-attr]


def test_confusion_the_agent_moves_past_is_unconfirmed_understanding(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("protection_insurance"),
            dialogue(
                "직원: 면책기간 90일과 1년 내 감액 지급, 그리고 부담보 조건이 있습니다.",
                "고객: 그게 무슨 말인지 이해가 안 돼요.",
                "직원: 네, 다음은 보험료 말씀드릴게요. 월 삼만 원씩 이십 년 내시면 됩니다.",
            ),
        )
    )
    assert "unconfirmed_understanding" in violation_ids(report)
    assert report.verdict.value in ("review", "fail")


# --- suitability ---------------------------------------------------------------------------------------


def test_recommending_a_product_riskier_than_the_investor_type_allows_is_unsuitable(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(
            product("fund", risk_grade=2),
            dialogue(
                "직원: 고객님은 안정추구형이신데, 그래도 이 펀드를 추천드려요.",
            ),
            customer("stable_seeking"),
        )
    )
    assert report.suitability.suitable is False
    assert "unsuitable_recommendation" in violation_ids(report)


def test_a_customer_who_asked_and_was_told_it_is_unsuitable_is_no_violation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("els", risk_grade=2),
            dialogue(
                "직원: 고객님 성향에는 적합하지 않은 상품이라 부적합 확인서를 받아야 합니다.",
            ),
            customer("stable", age=70),
            recommended=False,
        )
    )
    assert "unsuitable_recommendation" not in violation_ids(report)
    assert report.item("suitability_result") is None
    assert report.item("cooling_off") is not None


def test_steering_a_questionnaire_answer_is_suitability_manipulation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("dls"),
            dialogue(
                "고객: 손실 감수는 못 하죠. 아니오로 할게요.",
                "직원: 여기는 '예'로 선택하셔야 가입이 돼요.",
            ),
        )
    )
    assert "suitability_manipulation" in violation_ids(report)


# --- numbers as words and ASR noise ------------------------------------------------------------------


def test_a_withdrawal_period_said_as_words_is_read_as_a_number(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("credit_loan"),
            dialogue(
                "직원: 대출은 계약서 받으신 날부터 십사일 안에 철회가 가능합니다.",
            ),
        )
    )
    assert status(report, "withdrawal_right") == "covered"


def test_a_risk_grade_said_as_a_word_is_read_as_a_number(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("trust", risk_grade=3),
            dialogue(
                "직원: 이 신탁은 위험등급 삼등급 다소 높은 위험 상품입니다.",
            ),
        )
    )
    assert status(report, "risk_grade") == "covered"


def test_asr_text_without_spaces_and_with_homophones_still_covers_items(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 이상품은예금자포호대상이아닙니다",
                "직원: 원금손씰이발생할수있고최악의경우투자하신원금전액을잃으실수있습니다",
                "고객: 네알겠습니다",
                "직원: 상품설명써는여기드릴께요",
            ),
        )
    )
    assert status(report, "deposit_insurance") == "covered"
    assert status(report, "principal_loss_risk") == "covered"
    assert status(report, "explanation_document") == "covered"


# --- missing items carry evidence too -------------------------------------------------------------------


def test_a_missing_item_says_where_it_was_due_and_the_nearest_attempt(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 이 상담은 녹취됩니다.",
                "직원: 원금 손실이 날 수 있습니다.",
                "고객: 네.",
                "직원: 중간에 환매하실 수 있어요.",
                "직원: 불만이 있으시면 금융감독원에 분쟁조정을 신청하실 수 있습니다.",
            ),
        )
    )
    item = report.item("early_termination")
    assert item is not None and item.status.value == "missing"
    assert item.due is not None
    assert item.nearest is not None and item.nearest.segment == 3
    assert item.nearest_score is not None and 0 < item.nearest_score < 1


# --- verdict ---------------------------------------------------------------------------------------------


def test_a_medium_violation_alone_gives_review(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("deposit"),
            dialogue(
                "직원: 이 금리는 오늘까지만 드릴 수 있어서 오늘 결정하시는 게 좋아요.",
            ),
        )
    )
    assert "undue_pressure" in violation_ids(report)


def test_making_a_loan_depend_on_buying_insurance_is_tying(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("credit_loan"),
            dialogue(
                "직원: 대출 승인 나려면 저축보험 하나 가입하셔야 돼요.",
            ),
        )
    )
    assert "tying" in violation_ids(report)


def test_a_preferential_rate_for_using_a_card_is_not_tying(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("mortgage"),
            dialogue(
                "직원: 저희 카드를 한 달에 삼십만 원 이상 쓰시면 우대금리 0.1%포인트를 드려요.",
            ),
        )
    )
    assert "tying" not in violation_ids(report)


def test_calling_an_investment_just_like_a_savings_account_is_deposit_equivalence(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(
            product("els"),
            dialogue(
                "직원: 그냥 적금이랑 똑같다고 생각하시면 돼요, 이자만 좀 더 붙는 거죠.",
            ),
        )
    )
    assert "deposit_equivalence" in violation_ids(report)


def test_telling_the_customer_to_just_sign_is_rushed_explanation(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 이건 형식적인 서류라서 읽어 보실 필요 없고요, 여기 서명만 하시면 됩니다.",
            ),
        )
    )
    assert "rushed_explanation" in violation_ids(report)


def test_a_garbled_word_keys_cannot_absorb_is_matched_approximately_and_sent_for_review(
    verifier: Verifier,
) -> None:
    report = verifier.verify(
        case(product("deposit"), dialogue("직원: 상품설멍서는 지금 문자로 보내 드렸어요."))
    )
    item = report.item("explanation_document")
    assert item is not None and item.status.value == "covered"
    assert "approximate" in item.method
    assert item.confidence < verifier.rulebook.confidence_threshold


# --- near misses ------------------------------------------------------------------------------------------


def test_a_near_miss_no_pattern_confirms_sends_the_sale_to_review_not_pass(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 이 펀드는 예금처럼 꼬박꼬박 이자 받는 느낌이에요.",
            ),
        )
    )
    assert "deposit_equivalence" not in violation_ids(report)
    assert [f.violation for f in report.flags] == ["deposit_equivalence"]
    assert any("possible deposit_equivalence" in reason for reason in report.reasons)
    assert report.to_dict()["flags"][0]["segment"] == 0


def test_a_refund_on_withdrawal_is_not_a_near_miss_of_a_guarantee(verifier: Verifier) -> None:
    report = verifier.verify(
        case(
            product("fund"),
            dialogue(
                "직원: 칠 일 안에 철회하시면 넣으신 돈 그대로 돌려드립니다.",
            ),
        )
    )
    assert [f for f in report.flags if f.violation == "guaranteed_principal"] == []
