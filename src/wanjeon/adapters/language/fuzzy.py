"""rapidfuzz behind the ``Similarity`` port."""

from __future__ import annotations

from rapidfuzz import fuzz


class RapidfuzzSimilarity:
    def partial(self, needle: str, haystack: str) -> float:
        return float(fuzz.partial_ratio(needle, haystack))
