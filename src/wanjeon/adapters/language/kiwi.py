"""kiwipiepy behind the ``MorphemeAnalyzer`` port.

Kiwi is built once per process (its model takes most of wanjeon's cold start) with
the typo and multi-word dictionaries off: typo correction is the engine's job at
the key level, and loading them triples start-up. Results are memoised because
the same short sentence (네, 알겠습니다) recurs in every consultation.
"""

from __future__ import annotations

from functools import lru_cache
from threading import Lock

from wanjeon.verification.language import Morpheme


class KiwiAnalyzer:
    def __init__(self) -> None:
        from kiwipiepy import Kiwi  # heavy import kept out of module import time

        self._kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
        self._lock = Lock()
        self._cached = lru_cache(maxsize=8192)(self._tokenize)
        self._kiwi.tokenize("원금 보장은 안 됩니다.")  # pay the lazy model initialisation now

    def _tokenize(self, text: str) -> tuple[Morpheme, ...]:
        with self._lock:
            tokens = self._kiwi.tokenize(text)
        return tuple(Morpheme(t.form, t.tag, t.start, t.start + t.len) for t in tokens)

    def morphemes(self, text: str) -> list[Morpheme]:
        return list(self._cached(text))
