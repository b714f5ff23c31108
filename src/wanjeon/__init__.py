"""wanjeon (완전판매): verifies that financial products are sold properly.

The package is laid out hexagonally: the bounded contexts (``consultation``,
``transcript``, ``rulebook``, ``verification``, ``evaluation``) are pure Python and
import no framework; ``adapters`` hold the implementations of their ports
(kiwipiepy, file readers); ``entrypoints`` hold the CLI; ``bootstrap`` wires them.
"""

__version__ = "0.1.0"
