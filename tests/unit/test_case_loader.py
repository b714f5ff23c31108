"""Case, product, customer and context files: loading, references, defaults and error reporting."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from wanjeon.adapters.files import (
    list_case_files,
    load_case,
    load_context,
    load_customer,
    load_product,
)
from wanjeon.consultation.case import Expected
from wanjeon.consultation.model import Category, Channel, InvestorType, Kind, SaleContext
from wanjeon.errors import InputError, TranscriptError
from wanjeon.transcript.model import Speaker

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "devset"

PRODUCT = """\
id: els-2026-031
name: 글로벌 지수연계 ELS 제31회
category: investment
kind: els
risk_grade: 1
complex: true
features:
  underlying_assets: [HSCEI, S&P500]
  any_key_at_all: {nested: true}
"""

CASE = """\
product: {id: dep-1, name: 정기예금, category: deposit, kind: deposit, deposit_insured: true}
customer: {id: c-0001, age: 72, investor_type: stable_seeking}
context: {recommended: false, channel: phone}
transcript:
  segments:
    - {speaker: agent, start: 0.0, end: 3.1, text: 지금부터 상담 내용은 녹취됩니다.}
    - {speaker: customer, start: 3.5, end: 4.0, text: 네.}
expected:
  verdict: fail
  items: {principal_loss_risk: covered, deposit_insurance: missing}
  violations: [guaranteed_principal]
"""

MINIMAL_CASE = """\
product: {id: dep-1, name: 정기예금, category: deposit, kind: deposit}
transcript: [{speaker: agent, text: 안녕하세요}]
"""


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def failure(call: Callable[[Path], object], path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        call(path)
    return caught.value


# --- products, customers, contexts -----------------------------------------------------------


def test_a_yaml_product_becomes_a_product_with_free_form_features(tmp_path: Path) -> None:
    product = load_product(write(tmp_path, "p.yaml", PRODUCT))
    assert (product.category, product.kind, product.risk_grade, product.complex) == (
        Category.INVESTMENT,
        Kind.ELS,
        1,
        True,
    )
    assert product.features["any_key_at_all"] == {"nested": True}


def test_a_json_product_is_read_like_a_yaml_one(tmp_path: Path) -> None:
    data = {
        "id": "mtg-1",
        "name": "주택담보대출",
        "category": "loan",
        "kind": "mortgage",
        "withdrawal_days": 14,
    }
    product = load_product(write(tmp_path, "p.json", json.dumps(data, ensure_ascii=False)))
    assert (product.kind, product.withdrawal_days, product.risk_grade) == (Kind.MORTGAGE, 14, None)


def test_an_unknown_product_kind_is_an_error_listing_the_known_ones(tmp_path: Path) -> None:
    error = failure(load_product, write(tmp_path, "p.yaml", PRODUCT.replace("kind: els", "kind: etf")))
    assert error.field == "kind"
    assert error.reason.startswith("unknown value 'etf'; expected one of fund, els, dls")


def test_a_kind_outside_its_category_is_an_error(tmp_path: Path) -> None:
    error = failure(load_product, write(tmp_path, "p.yaml", PRODUCT.replace("kind: els", "kind: mortgage")))
    assert error.field == "kind"
    assert error.reason.startswith("'mortgage' is not a kind of investment")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("risk_grade: 1", "risk_grade: 7", "risk_grade"),
        ("risk_grade: 1", "risk_grade: '1'", "risk_grade"),
        ("id: els-2026-031", "id: ELS_31", "id"),
        ("complex: true", "complex: maybe", "complex"),
    ],
)
def test_an_out_of_range_or_mistyped_product_value_is_an_error_naming_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    error = failure(load_product, write(tmp_path, "p.yaml", PRODUCT.replace(old, new)))
    assert error.field == field


def test_a_product_missing_a_required_field_says_field_required(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", PRODUCT.replace("name: 글로벌 지수연계 ELS 제31회\n", ""))
    error = failure(load_product, path)
    assert (error.source, error.field, error.reason) == (str(path), "name", "field required")
    assert str(error) == f"{path}: name: field required"


def test_a_customer_age_outside_zero_to_130_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "id: c-1\nage: 131\ninvestor_type: stable\n")
    assert failure(load_customer, path).field == "age"


def test_a_customer_and_a_context_load_with_their_defaults(tmp_path: Path) -> None:
    customer = load_customer(write(tmp_path, "c.json", '{"id": 1001, "age": 40, "investor_type": "neutral"}'))
    assert (customer.id, customer.investor_type, customer.vulnerable) == ("1001", InvestorType.NEUTRAL, False)
    assert load_context(write(tmp_path, "x.yaml", "channel: video\n")) == SaleContext(True, Channel.VIDEO)


def test_an_unknown_key_in_a_closed_format_is_an_error_naming_it(tmp_path: Path) -> None:
    error = failure(load_context, write(tmp_path, "x.yaml", "recommended: true\nchanel: phone\n"))
    assert (error.field, error.reason) == ("chanel", "unknown field; expected one of recommended, channel")


def test_broken_yaml_is_an_error_with_the_parser_message_and_line(tmp_path: Path) -> None:
    error = failure(load_customer, write(tmp_path, "c.yaml", "id: c-1\nage: [72\ninvestor_type: stable\n"))
    assert error.reason.startswith("not valid YAML: ")
    assert "line 3" in error.reason


def test_broken_json_is_an_error_with_its_line_and_column(tmp_path: Path) -> None:
    error = failure(load_product, write(tmp_path, "p.json", '{"id": "a",,}'))
    assert (
        error.reason
        == "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 12)"
    )


def test_a_yaml_file_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    error = failure(load_product, write(tmp_path, "p.yaml", "- a\n- b\n"))
    assert error.reason == "expected a mapping at the top level, got a list"


def test_an_impossible_yaml_date_is_an_input_error_not_a_value_error(tmp_path: Path) -> None:
    error = failure(load_product, write(tmp_path, "p.yaml", PRODUCT + "fees: 2026-13-45\n"))
    assert error.reason.startswith("not valid YAML")


# --- case files ------------------------------------------------------------------------------


def test_an_inline_case_loads_every_section(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, "els-elderly.yaml", CASE))
    assert case.name == "els-elderly"
    assert case.product.id == "dep-1" and case.product.deposit_insured
    assert case.customer is not None and case.customer.age == 72
    assert case.context == SaleContext(False, Channel.PHONE)
    assert [s.speaker for s in case.transcript.segments] == [Speaker.AGENT, Speaker.CUSTOMER]
    assert case.expected == Expected(
        "fail", {"principal_loss_risk": "covered", "deposit_insurance": "missing"}, ("guaranteed_principal",)
    )


def test_a_minimal_case_gets_default_context_and_no_customer_or_labels(tmp_path: Path) -> None:
    case = load_case(write(tmp_path, "m.yaml", "name: 최소 사례\n" + MINIMAL_CASE))
    assert (case.name, case.customer, case.expected) == ("최소 사례", None, None)
    assert case.context == SaleContext(recommended=True, channel=Channel.BRANCH)


def test_case_sections_given_as_paths_are_read_relative_to_the_case_file(tmp_path: Path) -> None:
    write(tmp_path, "cases/products/p.yaml", PRODUCT)
    write(tmp_path, "cases/people/c.json", '{"id": "c-1", "age": 30, "investor_type": "aggressive"}')
    write(tmp_path, "cases/ctx.yaml", "channel: video\n")
    write(tmp_path, "cases/t/call.srt", "1\n00:00:01,000 --> 00:00:02,000\n고객: 네.\n")
    body = "product: products/p.yaml\ncustomer: people/c.json\ncontext: ctx.yaml\ntranscript: t/call.srt\n"
    case = load_case(write(tmp_path, "cases/c1.yaml", body))
    assert (case.product.kind, case.context.channel) == (Kind.ELS, Channel.VIDEO)
    assert case.customer is not None and case.customer.investor_type is InvestorType.AGGRESSIVE
    assert case.transcript.segments[0].start == 1.0


def test_a_missing_referenced_file_is_an_error_of_the_case_file_naming_the_section(tmp_path: Path) -> None:
    path = write(
        tmp_path, "c.yaml", MINIMAL_CASE.replace("transcript: [", "customer: nobody.yaml\ntranscript: [")
    )
    error = failure(load_case, path)
    assert (error.source, error.field) == (str(path), "customer")
    assert error.reason.startswith("referenced file not found: nobody.yaml")


def test_an_error_inside_a_referenced_file_names_that_file(tmp_path: Path) -> None:
    product = write(tmp_path, "p.yaml", PRODUCT.replace("category: investment", "category: stocks"))
    error = failure(
        load_case, write(tmp_path, "c.yaml", "product: p.yaml\ntranscript: [{speaker: agent, text: 네}]\n")
    )
    assert (error.source, error.field) == (str(product), "category")


def test_an_inline_section_error_is_prefixed_with_the_section(tmp_path: Path) -> None:
    error = failure(
        load_case, write(tmp_path, "c.yaml", CASE.replace("investor_type: stable_seeking", "age2: 1"))
    )
    assert error.field == "customer.age2" and error.reason.startswith(
        "unknown field; expected one of id, age"
    )
    error = failure(load_case, write(tmp_path, "d.yaml", CASE.replace("age: 72, ", "")))
    assert (error.field, error.reason) == ("customer.age", "field required")


def test_an_inline_transcript_ending_before_it_starts_is_a_transcript_error_with_a_dotted_field(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "c.yaml", CASE.replace("start: 3.5, end: 4.0", "start: 4.2, end: 3.0"))
    with pytest.raises(TranscriptError) as caught:
        load_case(path)
    assert str(caught.value) == f"{path}: transcript.segments[1].end: end (3.0) is before start (4.2)"


def test_an_unknown_expected_verdict_is_an_error(tmp_path: Path) -> None:
    error = failure(load_case, write(tmp_path, "c.yaml", CASE.replace("verdict: fail", "verdict: failed")))
    assert (error.field, error.reason) == (
        "expected.verdict",
        "unknown value 'failed'; expected one of pass, review, fail",
    )


def test_a_case_without_a_product_or_with_a_list_product_is_an_error(tmp_path: Path) -> None:
    error = failure(load_case, write(tmp_path, "c.yaml", "transcript: [{speaker: agent, text: 네}]\n"))
    assert (error.field, error.reason) == ("product", "field required")
    error = failure(load_case, write(tmp_path, "d.yaml", "product: [1]\ntranscript: t.txt\n"))
    assert (error.field, error.reason) == ("product", "expected a file path or an inline mapping, got a list")


# --- directories -----------------------------------------------------------------------------


def test_case_files_are_listed_by_name_without_recursing_or_other_extensions(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "c.yml", "notes.txt", "sub/d.yaml", ".hidden.yaml"):
        write(tmp_path, name, MINIMAL_CASE)
    assert [p.name for p in list_case_files(tmp_path)] == ["a.yaml", "b.yaml"]


def test_listing_a_missing_or_empty_directory_is_an_error(tmp_path: Path) -> None:
    assert failure(list_case_files, tmp_path / "nope").reason == "directory not found"
    assert failure(list_case_files, tmp_path).reason == "no *.yaml case files in this directory"
    assert failure(list_case_files, write(tmp_path, "a.yaml", "")).reason == "not a directory"


# --- the dev set -----------------------------------------------------------------------------


@pytest.mark.skipif(not DEVSET.is_dir(), reason="shared dev set not present")
def test_every_dev_set_case_loads_with_its_referenced_files() -> None:
    cases = {case.name: case for case in map(load_case, list_case_files(DEVSET))}
    assert len(cases) == 30
    assert all(case.expected is not None and case.expected.verdict for case in cases.values())
    d20 = cases["d20-deposit-video-plaintext"]
    assert len(d20.transcript.segments) == 61
    assert all(s.start is None and s.end is None for s in d20.transcript.segments)
    assert d20.product.id == "dep-video-6m" and d20.context.channel is Channel.VIDEO
    d25 = cases["d25-mortgage-paraphrase-vtt-pass"]
    assert len(d25.transcript.segments) == 36
    assert {s.speaker for s in d25.transcript.segments} == {Speaker.AGENT, Speaker.CUSTOMER}
    assert d25.transcript.segments[0].text.startswith("고객님, 화면 잘 보이세요?")
    assert d25.transcript.segments[1].speaker is Speaker.CUSTOMER and d25.transcript.segments[1].end == 7.1
