"""Load products, customers, contexts, transcripts and case files from disk into domain objects.

This is the only place that touches the file system for inputs, so it is also where every
way a file can be wrong (missing, too big, not UTF-8, not YAML, not the format) becomes one
``InputError`` naming the file, the field and the reason: the CLI prints that line and exits
2, and nobody downstream ever has to handle a traceback from yaml, json, pydantic or the OS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from wanjeon.adapters.files.schemas import (
    CaseFile,
    ContextFile,
    CustomerFile,
    ProductFile,
    first_problem,
    type_name,
)
from wanjeon.adapters.files.transcripts import (
    check_line_lengths,
    detect_format,
    read_text_transcript,
    transcript_from_data,
)
from wanjeon.consultation.case import Case
from wanjeon.consultation.model import Customer, Product, SaleContext
from wanjeon.errors import InputError, TranscriptError
from wanjeon.transcript.model import Transcript

#: Largest input file accepted; a consultation transcript is a few hundred kB at most, so
#: anything bigger is a wrong file, and refusing it early keeps memory use bounded.
MAX_FILE_BYTES = 20 * 1024 * 1024

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def load_transcript(path: Path) -> Transcript:
    """Read a transcript in any supported format (by extension, else by content)."""
    source = str(path)
    raw = _read_bytes(path, source, TranscriptError)
    fmt = detect_format(path, raw[:4096])
    if fmt in ("json", "yaml"):
        return transcript_from_data(_parse(raw, fmt, source, TranscriptError), source)
    check_line_lengths(raw, source)
    return read_text_transcript(_decode(raw, source, TranscriptError), fmt, source)


def load_product(path: Path) -> Product:
    return _validate(ProductFile, _read_mapping(path), str(path), "").to_domain()


def load_customer(path: Path) -> Customer:
    return _validate(CustomerFile, _read_mapping(path), str(path), "").to_domain()


def load_context(path: Path) -> SaleContext:
    return _validate(ContextFile, _read_mapping(path), str(path), "").to_domain()


def load_case(path: Path) -> Case:
    """Load a case file; sections given as paths are read relative to the case file's folder."""
    source = str(path)
    case = _validate(CaseFile, _read_mapping(path), source, "")
    base = path.parent

    product = _section(
        case.product,
        base,
        source,
        "product",
        load_product,
        lambda data: _validate(ProductFile, data, source, "product").to_domain(),
    )
    customer = None
    if case.customer is not None:
        customer = _section(
            case.customer,
            base,
            source,
            "customer",
            load_customer,
            lambda data: _validate(CustomerFile, data, source, "customer").to_domain(),
        )
    context = SaleContext()
    if case.context is not None:
        context = _section(
            case.context,
            base,
            source,
            "context",
            load_context,
            lambda data: _validate(ContextFile, data, source, "context").to_domain(),
        )
    if isinstance(case.transcript, str):
        transcript = load_transcript(_reference(base, case.transcript, source, "transcript"))
    else:
        transcript = transcript_from_data(case.transcript, source, "transcript")
    expected = None if case.expected is None else case.expected.to_domain()
    name = case.name or path.stem
    return Case(name, product, transcript, customer, context, expected)


def list_case_files(directory: Path) -> list[Path]:
    """Every ``*.yaml`` directly in ``directory`` by name, so batch output order is reproducible."""
    source = str(directory)
    if not directory.exists():
        raise InputError(source, "", "directory not found")
    if not directory.is_dir():
        raise InputError(source, "", "not a directory")
    try:
        entries = list(directory.iterdir())
    except OSError as error:
        raise InputError(source, "", f"cannot list the directory: {error.strerror or error}") from error
    files = sorted(
        (p for p in entries if p.suffix == ".yaml" and not p.name.startswith(".") and p.is_file()),
        key=lambda p: p.name,
    )
    if not files:
        raise InputError(source, "", "no *.yaml case files in this directory")
    return files


def _section(
    value: str | dict[str, Any],
    base: Path,
    source: str,
    name: str,
    load: Callable[[Path], T],
    inline: Callable[[dict[str, Any]], T],
) -> T:
    """A section is a path (read as its own file, which then names itself in errors) or inline."""
    if isinstance(value, str):
        return load(_reference(base, value, source, name))
    return inline(value)


def _reference(base: Path, value: str, source: str, name: str) -> Path:
    """A missing referenced file is the case file's mistake, so the error names the case file."""
    target = base / value
    if not target.exists():
        raise InputError(source, name, f"referenced file not found: {value} (looked for {target})")
    return target


def _read_bytes(path: Path, source: str, error: type[InputError]) -> bytes:
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise error(source, "", f"file is {size / 1048576:.1f} MB; the limit is 20 MB")
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise error(source, "", "file not found") from exc
    except IsADirectoryError as exc:
        raise error(source, "", "is a directory, not a file") from exc
    except PermissionError as exc:
        raise error(source, "", "permission denied") from exc
    except OSError as exc:
        raise error(source, "", f"cannot read the file: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise error(source, "", "file is larger than the 20 MB limit")
    return raw


def _decode(raw: bytes, source: str, error: type[InputError]) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line})"
        raise error(source, "", reason) from exc
    if not text.strip():
        raise error(source, "", "the file is empty")
    return text


def _parse(raw: bytes, fmt: Literal["json", "yaml"], source: str, error: type[InputError]) -> object:
    """Parse JSON with ``json`` (better messages), everything else with ``yaml.safe_load``."""
    text = _decode(raw, source, error)
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader: no arbitrary objects
    except json.JSONDecodeError as exc:
        raise error(source, "", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise error(source, "", f"not valid YAML: {problem}{where}") from exc
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise error(source, "", f"not valid {fmt.upper()}: {exc}") from exc
    except RecursionError as exc:
        raise error(source, "", f"not valid {fmt.upper()}: nested too deeply") from exc


def _read_mapping(path: Path) -> dict[str, Any]:
    source = str(path)
    fmt: Literal["json", "yaml"] = "json" if path.suffix.lower() == ".json" else "yaml"
    data = _parse(_read_bytes(path, source, InputError), fmt, source, InputError)
    if not isinstance(data, dict):
        raise InputError(source, "", f"expected a mapping at the top level, got {type_name(data)}")
    return data


def _validate(model: type[M], data: object, source: str, prefix: str) -> M:
    if not isinstance(data, dict):
        raise InputError(source, prefix, f"expected a mapping, got {type_name(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        field, reason = first_problem(exc, prefix)
        raise InputError(source, field, reason) from exc
