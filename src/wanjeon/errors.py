"""wanjeon's exceptions, in one place so that the edges map them once.

    WanjeonError
    ├── InputError            bad input a user can fix: names the source, the field and the reason
    │   ├── TranscriptError   a transcript that cannot be read (format, empty, times)
    │   └── RulebookError     a rulebook file that does not validate
    └── EngineError           a defect inside wanjeon (never the user's fault)

The CLI maps ``InputError`` to exit status 2 with ``str(error)`` on stderr; the
future HTTP API maps it to a 4xx problem+json. Nothing else should be caught.
"""

from __future__ import annotations


class WanjeonError(Exception):
    """Root of every error wanjeon raises on purpose."""


class InputError(WanjeonError):
    """Input that cannot be used, explained as ``source: field: reason``.

    ``source`` is a file path (or ``<stdin>``/``<inline>``), ``field`` a dotted
    path inside it such as ``transcript.segments[3].end``; either may be empty.
    """

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source = source
        self.field = field
        self.reason = reason
        where = ": ".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {reason}" if where else reason)


class TranscriptError(InputError):
    """A transcript that cannot be read."""


class RulebookError(InputError):
    """A rulebook that does not validate."""


class EngineError(WanjeonError):
    """An internal defect: a bug to report, not bad input."""
