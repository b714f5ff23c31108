"""The dev set as a regression test, with the issue's thresholds, clean and with ASR noise.

These thresholds are the floor the engine must keep; the dev set is also what it
was built against, so the held-out set (tests/heldout) is measured separately.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from support import DEVSET
from wanjeon.adapters.files import list_case_files, load_case
from wanjeon.evaluation.metrics import CaseOutcome, EvalSummary, evaluate
from wanjeon.evaluation.noise import noisy_transcript
from wanjeon.verification.engine import Verifier

needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared/devset is not beside the project")


HELDOUT = [
    Path(__file__).resolve().parents[1] / name for name in ("heldout", "heldout2", "heldout3", "heldout4")
]


def _evaluate(verifier: Verifier, noise: int | None, directory: Path = DEVSET) -> EvalSummary:
    outcomes = []
    for path in list_case_files(directory):
        case = load_case(path)
        assert case.expected is not None
        if noise is not None:
            case = replace(case, transcript=noisy_transcript(case.transcript, noise))
        outcomes.append(CaseOutcome(case.name, case.expected, verifier.verify(case)))
    return evaluate(outcomes)


@needs_devset
def test_the_dev_set_meets_every_threshold(verifier: Verifier) -> None:
    summary = _evaluate(verifier, None)
    assert summary.case_count == 30
    assert summary.gaps.f1 >= 0.95
    assert summary.violations.f1 >= 0.90
    assert summary.verdict_accuracy >= 0.90
    assert summary.item_sets_exact == summary.case_count
    assert summary.should_fail_judged_pass == ()


@needs_devset
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dev_set_with_asr_noise_keeps_gaps_and_never_passes_a_failing_sale(
    verifier: Verifier, seed: int
) -> None:
    summary = _evaluate(verifier, seed)
    assert summary.gaps.f1 >= 0.85
    assert summary.should_fail_judged_pass == ()


@pytest.mark.parametrize("directory", HELDOUT, ids=lambda p: p.name)
def test_the_held_out_sets_stay_judged_as_labelled(verifier: Verifier, directory: Path) -> None:
    """Written separately from the dev set (their first-sight scores are in the README);
    kept as regression sets once the engine was improved on what they showed."""
    summary = _evaluate(verifier, None, directory)
    assert summary.should_fail_judged_pass == ()
    assert summary.item_sets_exact == summary.case_count
    assert summary.gaps.f1 >= 0.9 and summary.violations.f1 >= 0.9
    assert summary.verdict_accuracy >= 0.9  # an ASR-garbled keyword may send a pass to review
