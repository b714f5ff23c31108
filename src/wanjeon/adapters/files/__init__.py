"""File adapter: reads the formats of ``formats.md`` into domain objects, or raises ``InputError``."""

from wanjeon.adapters.files.loader import (
    list_case_files,
    load_case,
    load_context,
    load_customer,
    load_product,
    load_transcript,
)

__all__ = [
    "list_case_files",
    "load_case",
    "load_context",
    "load_customer",
    "load_product",
    "load_transcript",
]
