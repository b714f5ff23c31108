"""Pydantic models of the file formats in ``formats.md``, and their mapping onto the domain.

The models are deliberately strict (no ``"3"`` for 3, no ``1`` for ``true``, no unknown keys)
because a silently coerced label changes a verification verdict; the domain dataclasses stay
free of pydantic, so every model has a ``to_domain`` method. Errors are raised with our own
wording (``PydanticCustomError``) so that ``first_problem`` can hand a user one readable line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from wanjeon.consultation.case import Expected
from wanjeon.consultation.model import (
    KIND_CATEGORY,
    Category,
    Channel,
    Customer,
    InvestorType,
    Kind,
    Product,
    SaleContext,
)
from wanjeon.transcript.model import Speaker, Transcript, Utterance, Word

#: Speaker labels found in Korean transcripts, lower-cased; everything maps onto ``Speaker``.
SPEAKER_ALIASES: dict[str, Speaker] = {
    label: speaker
    for speaker, labels in (
        (Speaker.AGENT, ("agent", "직원", "상담원", "판매직원", "pb", "행원")),
        (Speaker.CUSTOMER, ("customer", "고객")),
        (Speaker.UNKNOWN, ("unknown",)),
    )
    for label in labels
}
VERDICTS = ("pass", "review", "fail")
ITEM_STATUSES = ("covered", "missing", "incorrect")


def shorten(value: object) -> str:
    """A repr bounded in length, so that a 10 MB value never ends up in an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: object) -> str:
    """Name a parsed value's type in the words of the file formats, not Python's."""
    names = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "text"}
    names |= {list: "a list", dict: "a mapping"}
    return names.get(type(value), type(value).__name__)


def _problem(message: str, **context: Any) -> PydanticCustomError:
    """An error in our own words (a ``str.format`` template), passed through by ``first_problem``."""
    return PydanticCustomError("wanjeon", message, context)


def _unknown(value: object, allowed: Iterable[str]) -> PydanticCustomError:
    return _problem(
        "unknown value {value}; expected one of {expected}", value=shorten(value), expected=", ".join(allowed)
    )


def _choice(allowed: tuple[str, ...]) -> Callable[[object], object]:
    """Validator for a closed vocabulary that names the allowed values in its error."""

    def check(value: object) -> object:
        if isinstance(value, str) and value in allowed:
            return value
        raise _unknown(value, allowed)

    return check


def _enum(enum: type[Enum]) -> BeforeValidator:
    return BeforeValidator(_choice(tuple(str(member.value) for member in enum)))


def parse_speaker(value: object) -> Speaker:
    """Map a speaker label of any supported spelling (case-insensitive) onto ``Speaker``."""
    if isinstance(value, str) and (speaker := SPEAKER_ALIASES.get(value.strip().lower())):
        return speaker
    raise _unknown(value, ("agent", "customer", "unknown", "직원", "상담원", "PB", "행원", "고객"))


def _identifier(value: object) -> object:
    """YAML reads ``id: 1001`` as an int; an identifier is still meant, so accept it as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", value):
        raise _problem("use only lowercase letters a-z, digits and '-' (got {value})", value=shorten(value))
    return value


Seconds = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Confidence = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
Text = Annotated[str, Strict(), Field(min_length=1)]
Identifier = Annotated[Text, BeforeValidator(_identifier)]


class _Closed(BaseModel):
    """Base of every closed format: unknown keys are an error that lists the known ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                expected = ", ".join(cls.model_fields)
                raise _problem(
                    "unknown field; expected one of {expected}", key=str(unknown[0]), expected=expected
                )
        return data


class _Timed(_Closed):
    """Times are optional (text-only transcripts) but, when both are given, must not run backwards."""

    start: Seconds | None = None
    end: Seconds | None = None

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: float | None, info: ValidationInfo) -> float | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise _problem("end ({end}) is before start ({start})", end=end, start=start)
        return end


class WordFile(_Timed):
    text: Annotated[str, Strict()]
    confidence: Confidence | None = None

    def to_domain(self) -> Word:
        return Word(self.text, self.start, self.end, self.confidence)


class SegmentFile(_Timed):
    speaker: Annotated[Speaker, BeforeValidator(parse_speaker)]
    text: Annotated[str, Strict()]
    name: Annotated[str, Strict()] | None = None
    language: Annotated[str, Strict()] | None = None
    words: list[WordFile] = Field(default_factory=list)
    confidence: Confidence | None = None

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise _problem("text is empty")
        return text.strip()

    def to_domain(self) -> Utterance:
        words = tuple(word.to_domain() for word in self.words)
        return Utterance(self.speaker, self.text, self.start, self.end, words, self.confidence)


class TranscriptFile(_Closed):
    language: Text = "ko"
    segments: list[SegmentFile]
    metadata: dict[str, Annotated[str, Strict()]] = Field(default_factory=dict)

    @field_validator("segments")
    @classmethod
    def _not_empty(cls, segments: list[SegmentFile]) -> list[SegmentFile]:
        if not segments:
            raise _problem("the transcript has no segments")
        return segments

    def to_domain(self) -> Transcript:
        segments = tuple(segment.to_domain() for segment in self.segments)
        return Transcript(segments, self.language, dict(self.metadata))


class ProductFile(_Closed):
    id: Annotated[Identifier, AfterValidator(_slug), Field(json_schema_extra={"pattern": "^[a-z0-9-]+$"})]
    name: Text
    category: Annotated[Category, _enum(Category)]
    kind: Annotated[Kind, _enum(Kind)]
    risk_grade: Annotated[int, Strict(), Field(ge=1, le=6)] | None = None
    complex: Annotated[bool, Strict()] = False
    principal_protected: Annotated[bool, Strict()] = False
    deposit_insured: Annotated[bool, Strict()] = False
    withdrawal_days: Annotated[int, Strict(), Field(ge=0)] | None = None
    fees: Annotated[str, Strict()] | None = None
    features: dict[str, Any] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _kind_of_category(cls, kind: Kind, info: ValidationInfo) -> Kind:
        category = info.data.get("category")
        if category is not None and KIND_CATEGORY[kind] is not category:
            kinds = ", ".join(k.value for k, c in KIND_CATEGORY.items() if c is category)
            message = "{kind} is not a kind of {category}; expected one of {kinds}"
            raise _problem(message, kind=shorten(kind.value), category=category.value, kinds=kinds)
        return kind

    def to_domain(self) -> Product:
        return Product(**{name: getattr(self, name) for name in type(self).model_fields})


class CustomerFile(_Closed):
    id: Identifier
    age: Annotated[int, Strict(), Field(ge=0, le=130)]
    investor_type: Annotated[InvestorType, _enum(InvestorType)]
    investment_experience_years: Annotated[int, Strict(), Field(ge=0)] | None = None
    vulnerable: Annotated[bool, Strict()] = False

    def to_domain(self) -> Customer:
        return Customer(**{name: getattr(self, name) for name in type(self).model_fields})


class ContextFile(_Closed):
    recommended: Annotated[bool, Strict()] = True
    channel: Annotated[Channel, _enum(Channel)] = Channel.BRANCH

    def to_domain(self) -> SaleContext:
        return SaleContext(self.recommended, self.channel)


class ExpectedFile(_Closed):
    verdict: Annotated[str, BeforeValidator(_choice(VERDICTS))] | None = None
    items: dict[str, Annotated[str, BeforeValidator(_choice(ITEM_STATUSES))]] = Field(default_factory=dict)
    violations: list[Annotated[str, Strict()]] = Field(default_factory=list)

    def to_domain(self) -> Expected:
        return Expected(self.verdict, dict(self.items), tuple(self.violations))


def _reference(*shapes: type) -> PlainValidator:
    """A case section is a path or an inline value; say so instead of a two-branch union error."""

    def check(value: object) -> object:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, shapes):
            return value
        kinds = "a file path or an inline mapping" + (" or list" if list in shapes else "")
        raise _problem("expected {kinds}, got {got}", kinds=kinds, got=type_name(value))

    return PlainValidator(check)


Section = Annotated[str | dict[str, Any], _reference(dict)]


class CaseFile(_Closed):
    """The outer shape of a case file; sections are validated by their own models afterwards."""

    name: Text | None = None
    product: Section
    customer: Section | None = None
    context: Section | None = None
    transcript: Annotated[str | dict[str, Any] | list[Any], _reference(dict, list)]
    expected: ExpectedFile | None = None


def _dotted(loc: tuple[int | str, ...], prefix: str) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def first_problem(error: ValidationError, prefix: str = "") -> tuple[str, str]:
    """The first problem as ``(dotted field, reason)``: one fix at a time reads better than a wall."""
    problem = error.errors(include_url=False)[0]
    kind, message = problem["type"], problem["msg"]
    if kind == "missing":
        reason = "field required"
    elif kind == "wanjeon":
        reason = message
    elif kind in {"model_type", "dict_type", "list_type"}:
        wanted = "a list" if kind == "list_type" else "a mapping"
        reason = f"expected {wanted}, got {type_name(problem.get('input'))}"
    else:
        reason = f"{message[:1].lower()}{message[1:]} (got {shorten(problem.get('input'))})"
    loc = tuple(problem["loc"])
    if "key" in (problem.get("ctx") or {}):  # an unknown field: point at the key itself
        loc += (str(problem["ctx"]["key"]),)
    remaining = error.error_count() - 1
    if remaining:
        reason += f" (and {remaining} more problem{'s' if remaining > 1 else ''})"
    return _dotted(loc, prefix), reason
