"""The composition root: builds wanjeon's objects from configuration.

Nothing connects or loads at import time; entry points call these functions.
"""

from __future__ import annotations

from pathlib import Path

from wanjeon.verification.engine import Verifier


def build_verifier(rulebook_path: Path | None = None) -> Verifier:
    """A verifier over the built-in rulebook, or over ``rulebook_path`` extending it."""
    from wanjeon.adapters.files.rulebook import load_rulebook
    from wanjeon.adapters.language.fuzzy import RapidfuzzSimilarity
    from wanjeon.adapters.language.kiwi import KiwiAnalyzer

    return Verifier(load_rulebook(rulebook_path), KiwiAnalyzer(), RapidfuzzSimilarity())
