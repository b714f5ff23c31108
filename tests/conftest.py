"""Session fixtures: one verifier per test run (kiwipiepy loads once)."""

from __future__ import annotations

import pytest

from wanjeon.bootstrap import build_verifier
from wanjeon.verification.engine import Verifier


@pytest.fixture(scope="session")
def verifier() -> Verifier:
    return build_verifier()
