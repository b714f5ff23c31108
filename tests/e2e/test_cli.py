"""The CLI contract of formats.md, run as a user would run it (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import DEVSET

needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared/devset is not beside the project")


def wanjeon(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wanjeon", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    product = tmp_path / "product.yaml"
    product.write_text(
        "id: fund-test-1\nname: 시험 펀드\ncategory: investment\nkind: fund\nrisk_grade: 2\n"
        "complex: false\nprincipal_protected: false\ndeposit_insured: false\n",
        encoding="utf-8",
    )
    customer = tmp_path / "customer.json"
    customer.write_text('{"id": "c-1", "age": 52, "investor_type": "active"}', encoding="utf-8")
    transcript = tmp_path / "call.txt"
    transcript.write_text(
        "직원: 이 통화는 녹음됩니다.\n고객: 네.\n직원: 이 펀드는 연 7%는 무조건 나옵니다.\n", encoding="utf-8"
    )
    return {"product": product, "customer": customer, "transcript": transcript}


def test_verify_prints_exactly_one_json_report(files: dict[str, Path]) -> None:
    result = wanjeon(
        "verify",
        files["transcript"],
        "--product",
        files["product"],
        "--customer",
        files["customer"],
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "fail"
    assert [v["id"] for v in report["violations"]] == ["guaranteed_return"]
    assert report["violations"][0]["segment"] == 2
    assert report["suitability"] == {"investor_type": "active", "risk_grade": 2, "suitable": True, "limit": 2}
    assert {i["id"] for i in report["items"]} >= {"recording_notice", "fees", "principal_loss_risk"}


def test_verify_text_puts_the_verdict_first_and_quotes_the_evidence(files: dict[str, Path]) -> None:
    result = wanjeon("verify", files["transcript"], "--product", files["product"], "--no-color")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("FAIL")
    assert "무조건 나옵니다" in result.stdout
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id: Bad Id\nname: x\ncategory: investment\nkind: fund\n", "id"),
        ("id: p-1\nname: x\ncategory: investment\nkind: etf\n", "kind"),
        ("id: p-1\nname: x\ncategory: investment\n", "kind"),
        ("id: p-1\nname: [x\n", "YAML"),
    ],
)
def test_bad_input_exits_2_naming_the_file_and_field(
    files: dict[str, Path], content: str, expected: str
) -> None:
    files["product"].write_text(content, encoding="utf-8")
    result = wanjeon("verify", files["transcript"], "--product", files["product"])
    assert result.returncode == 2
    assert str(files["product"]) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_empty_transcript_exits_2(files: dict[str, Path]) -> None:
    files["transcript"].write_text("\n\n", encoding="utf-8")
    result = wanjeon("verify", files["transcript"], "--product", files["product"])
    assert result.returncode == 2
    assert str(files["transcript"]) in result.stderr


@needs_devset
def test_batch_prints_one_json_line_per_case_in_name_order() -> None:
    result = wanjeon("verify", "--batch", DEVSET)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    names = [line["case"] for line in lines]
    assert len(lines) == 30 and names == sorted(names)
    assert lines[1]["case"] == "d02-els-guarantee-agreed" and lines[1]["report"]["verdict"] == "fail"


@needs_devset
def test_eval_ends_with_the_headline_numbers() -> None:
    result = wanjeon("eval", DEVSET)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert "should-fail judged pass: 0" in last and "item sets exact 30/30" in last


def test_samples_verifies_the_bundled_consultations() -> None:
    result = wanjeon("samples", "--no-color")
    assert result.returncode == 0, result.stderr
    assert "PASS" in result.stdout and "FAIL" in result.stdout and "REVIEW" in result.stdout


def test_demo_seeds_accounts_for_every_role_and_a_dozen_verified_consultations(tmp_path: Path) -> None:
    env = {**os.environ, "WANJEON_DATA_DIR": str(tmp_path / "data")}
    first = subprocess.run(
        [sys.executable, "-m", "wanjeon", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert first.returncode == 0, first.stderr
    for role in ("seller", "reviewer", "auditor", "admin"):
        assert f" {role} " in first.stdout
    assert "14 consultations" in first.stdout
    again = subprocess.run(
        [sys.executable, "-m", "wanjeon", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert again.returncode == 0 and "14 consultations" in again.stdout


def test_a_bank_rulebook_that_does_not_validate_exits_2(tmp_path: Path, files: dict[str, Path]) -> None:
    book = tmp_path / "bank.yaml"
    book.write_text("suitability_matrix: {stable: 0}\n", encoding="utf-8")
    result = wanjeon("verify", files["transcript"], "--product", files["product"], "--rulebook", book)
    assert result.returncode == 2
    assert "suitability_matrix" in result.stderr
