"""Reading rulebook YAML: validation with pydantic, extension of the built-in book.

A bank's file extends the built-in rulebook unless it says ``extends: none``:
mappings (settings, suitability_matrix, sources, concepts, lexicon) are merged
key by key, items and violations are merged by ``id`` (fields given replace the
built-in ones, new ids are added), and ``remove_items`` / ``remove_violations``
drop rules. The merged result is validated as a whole, so a broken override is
reported with the field that breaks it and nothing half-loaded is ever used.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from wanjeon.consultation.model import Category, InvestorType, Kind
from wanjeon.errors import RulebookError
from wanjeon.rulebook.applicability import FACT_TYPES, NUMERIC_FACTS, Condition
from wanjeon.rulebook.model import (
    Concept,
    Cue,
    Fact,
    FactCheck,
    ItemRule,
    Lexicon,
    Mood,
    Polarity,
    Rulebook,
    Severity,
    Term,
    VerdictPolicy,
    ViolationKind,
    ViolationRule,
)
from wanjeon.verification.text import flatten, key_of

BUILTIN = "builtin"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


TermList = list[str]
#: Ids are stable API (formats.md): lower_snake_case.
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class CueSchema(_Strict):
    all: list[str | TermList] = Field(min_length=1)
    weight: float = Field(default=0.9, gt=0, le=1)
    polarity: Polarity = Polarity.ANY
    mood: Mood = Mood.ANY
    hedged: bool | None = None
    label: str = ""
    unless: list[str] = Field(default_factory=list)


class FactSchema(_Strict):
    check: FactCheck
    attribute: str = ""
    inverting: list[str] = Field(default_factory=list)
    ambiguous: list[str] = Field(default_factory=list)


class ItemSchema(_Strict):
    id: RuleId
    title: str
    severity: Severity
    confirm: bool = False
    source: str = Field(min_length=1)
    order: int = 0
    applies: dict[str, Any] = Field(default_factory=dict)
    cues: list[CueSchema] = Field(min_length=1)
    facts: list[FactSchema] = Field(default_factory=list)
    topic: bool = True


class ViolationSchema(_Strict):
    id: RuleId
    principle: Literal[
        "suitability",
        "appropriateness",
        "duty_to_explain",
        "unfair_practice",
        "unfair_solicitation",
        "false_advertising",
    ]
    severity: Severity
    source: str = Field(min_length=1)
    kind: ViolationKind = ViolationKind.PATTERN
    applies: dict[str, Any] = Field(default_factory=dict)
    patterns: list[CueSchema] = Field(default_factory=list)
    answers: list[CueSchema] = Field(default_factory=list)
    disclosure: list[CueSchema] = Field(default_factory=list)
    suspicions: list[CueSchema] = Field(default_factory=list)


class VerdictLevel(_Strict):
    items: list[Severity] = Field(default_factory=list)
    violations: list[Severity] = Field(default_factory=list)
    unconfirmed: bool = False
    low_confidence: bool = False
    suspicions: bool = False


class VerdictSchema(_Strict):
    fail: VerdictLevel
    review: VerdictLevel


class LexiconSchema(_Strict):
    affirmation: str
    deferral: str
    moving_on: str
    refusal: str
    confusion: str
    reexplain: str
    hedge: str
    agreement: str
    recommendation: str


class RulebookSchema(_Strict):
    version: str = Field(min_length=1)
    effective: str = ""
    confidence_threshold: float = Field(ge=0, le=1)
    sources: dict[str, str] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    suitability_matrix: dict[InvestorType, int]
    lexicon: LexiconSchema
    concepts: dict[str, list[str]]
    items: list[ItemSchema]
    violations: list[ViolationSchema]
    verdict: VerdictSchema
    compounds: list[str] = Field(default_factory=list)

    @field_validator("suitability_matrix")
    @classmethod
    def _matrix_complete(cls, value: dict[InvestorType, int]) -> dict[InvestorType, int]:
        missing = [t.value for t in InvestorType if t not in value]
        if missing:
            raise ValueError(f"no limit for {', '.join(missing)}")
        bad = [f"{k.value}={v}" for k, v in value.items() if not 1 <= v <= 6]
        if bad:
            raise ValueError(f"risk grade limits must be 1..6: {', '.join(bad)}")
        return value


# --- reading -------------------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulebookError(source, "", "file not found") from None
    except IsADirectoryError:
        raise RulebookError(source, "", "is a directory, not a rulebook file") from None
    except UnicodeDecodeError:
        raise RulebookError(source, "", "not UTF-8 text") from None
    except OSError as exc:
        raise RulebookError(source, "", f"cannot be read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RulebookError(source, "", f"not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise RulebookError(source, "", "a rulebook is a mapping at the top level")
    return data


def builtin_data() -> dict[str, Any]:
    text = resources.files("wanjeon.rulebook").joinpath("builtin/rulebook.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert isinstance(data, dict)
    return data


def _merge_by_id(
    base: list[dict[str, Any]], extra: list[Any], remove: list[str], where: str, source: str
) -> list[dict[str, Any]]:
    merged = {entry["id"]: dict(entry) for entry in base}
    for i, entry in enumerate(extra):
        if not isinstance(entry, dict) or "id" not in entry:
            raise RulebookError(source, f"{where}[{i}]", "each entry is a mapping with an id")
        merged[entry["id"]] = {**merged.get(entry["id"], {}), **entry}
    for rule_id in remove:
        if rule_id not in merged:
            raise RulebookError(source, f"remove_{where}", f"no {where[:-1]} with id {rule_id!r} to remove")
        del merged[rule_id]
    return list(merged.values())


def extend(base: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    """The built-in (or any) rulebook data with a bank's override applied."""
    out = dict(base)
    for key, value in override.items():
        if key in ("extends", "remove_items", "remove_violations", "items", "violations"):
            continue
        if key in ("settings", "suitability_matrix", "sources", "concepts", "lexicon", "verdict"):
            if not isinstance(value, dict):
                raise RulebookError(source, key, "must be a mapping")
            out[key] = {**base.get(key, {}), **value}
        else:
            out[key] = value
    for key in ("items", "violations"):
        extra = override.get(key, [])
        remove = override.get(f"remove_{key}", [])
        if not isinstance(extra, list) or not isinstance(remove, list):
            raise RulebookError(source, key, "must be a list")
        out[key] = _merge_by_id(base.get(key, []), extra, remove, key, source)
    return out


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The built-in rulebook, or a file extending it (or replacing it with ``extends: none``)."""
    base = builtin_data()
    if path is None:
        return build(base, BUILTIN)
    data = _read_yaml(path)
    extends = data.get("extends", BUILTIN)
    if extends not in (BUILTIN, "none"):
        raise RulebookError(str(path), "extends", "must be 'builtin' or 'none'")
    merged = data if extends == "none" else extend(base, data, str(path))
    merged = {k: v for k, v in merged.items() if k not in ("extends", "remove_items", "remove_violations")}
    return build(merged, str(path))


# --- conversion to the domain model ------------------------------------------------------


def _loc(error: dict[str, Any], data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for part in error["loc"]:
        if isinstance(part, int):
            ident = (
                node[part].get("id")
                if isinstance(node, list) and part < len(node) and isinstance(node[part], dict)
                else None
            )
            parts[-1:] = [f"{parts[-1] if parts else ''}[{ident or part}]"]
        else:
            parts.append(str(part))
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def build(data: dict[str, Any], source: str) -> Rulebook:
    try:
        schema = RulebookSchema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise RulebookError(source, _loc(dict(first), data), f"{first['msg']}{more}") from None
    return _Builder(schema, source).rulebook()


class _Builder:
    def __init__(self, schema: RulebookSchema, source: str) -> None:
        self.schema = schema
        self.source = source
        self.concepts: dict[str, Concept] = {}
        for name, terms in schema.concepts.items():
            self.concepts[name] = Concept(name, tuple(self._term(t, f"concepts.{name}") for t in terms))

    def _term(self, text: str, where: str) -> Term:
        if text.startswith("re:"):
            pattern = flatten(text[3:])
            try:
                re.compile(pattern)
            except re.error as exc:
                raise RulebookError(self.source, where, f"bad regular expression {text!r}: {exc}") from None
            return Term(text, "", pattern)
        key = key_of(text)
        if not key:
            raise RulebookError(self.source, where, f"term {text!r} is empty once normalised")
        if len(key) == 1 and "\uac00" <= key <= "\ud7a3":
            raise RulebookError(
                self.source,
                where,
                f"term {text!r} is one syllable, too short to match "
                "reliably; add the syllables around it or write a 're:' pattern",
            )
        return Term(text, key)

    def _cue(self, cue: CueSchema, where: str) -> Cue:
        names: list[str] = []
        for g, group in enumerate(cue.all):
            if isinstance(group, str):
                if group not in self.concepts:
                    raise RulebookError(self.source, f"{where}.all[{g}]", f"unknown concept {group!r}")
                names.append(group)
            else:
                name = f"{where}.all[{g}]"
                self.concepts[name] = Concept(name, tuple(self._term(t, name) for t in group))
                names.append(name)
        unless = self._known(cue.unless, f"{where}.unless")
        return Cue(tuple(names), cue.weight, cue.polarity, cue.mood, cue.hedged, cue.label, tuple(unless))

    def _condition(self, spec: Any, where: str) -> Condition:
        if not isinstance(spec, dict):
            raise RulebookError(self.source, where, "a condition is a mapping")
        equals: dict[str, frozenset[Any]] = {}
        minimum: dict[str, float] = {}
        maximum: dict[str, float] = {}
        all_of: list[Condition] = []
        any_of: list[Condition] = []
        none_of: list[Condition] = []
        for key, value in spec.items():
            here = f"{where}.{key}"
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    raise RulebookError(self.source, here, "must be a non-empty list of conditions")
                target = all_of if key == "all" else any_of
                target.extend(self._condition(v, f"{here}[{i}]") for i, v in enumerate(value))
            elif key == "not":
                none_of.append(self._condition(value, here))
            elif key.endswith(("_min", "_max")) and key[:-4] in NUMERIC_FACTS:
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise RulebookError(self.source, here, "must be a number")
                (minimum if key.endswith("_min") else maximum)[key[:-4]] = float(value)
            elif key in FACT_TYPES:
                values = value if isinstance(value, list) else [value]
                self._check_values(key, values, here)
                equals[key] = frozenset(values)
            else:
                known = ", ".join([*FACT_TYPES, *(f"{n}_min" for n in NUMERIC_FACTS), "all", "any", "not"])
                raise RulebookError(self.source, here, f"unknown fact {key!r}; expected one of {known}")
        return Condition(equals, minimum, maximum, tuple(all_of), tuple(any_of), tuple(none_of))

    def _check_values(self, key: str, values: list[Any], where: str) -> None:
        allowed: set[Any] | None = None
        if key == "category":
            allowed = {c.value for c in Category}
        elif key == "kind":
            allowed = {k.value for k in Kind}
        elif key == "channel":
            allowed = {"branch", "phone", "video"}
        for value in values:
            if not isinstance(value, FACT_TYPES[key]):
                raise RulebookError(self.source, where, f"{value!r} is not a {FACT_TYPES[key].__name__}")
            if allowed is not None and value not in allowed:
                raise RulebookError(
                    self.source,
                    where,
                    f"unknown {key} {value!r}; expected one of " + ", ".join(sorted(allowed)),
                )

    def _facts(self, facts: list[FactSchema], where: str) -> tuple[Fact, ...]:
        out = []
        for i, fact in enumerate(facts):
            for name in fact.inverting:
                if name not in self.concepts:
                    raise RulebookError(self.source, f"{where}[{i}].inverting", f"unknown concept {name!r}")
            self._known(fact.ambiguous, f"{where}[{i}].ambiguous")
            out.append(Fact(fact.check, fact.attribute, tuple(fact.inverting), tuple(fact.ambiguous)))
        return tuple(out)

    def rulebook(self) -> Rulebook:
        s = self.schema
        lexicon = Lexicon(**s.lexicon.model_dump())
        for field_name, concept in s.lexicon.model_dump().items():
            if concept not in self.concepts:
                raise RulebookError(self.source, f"lexicon.{field_name}", f"unknown concept {concept!r}")
        items = []
        seen: set[str] = set()
        for item in s.items:
            where = f"items[{item.id}]"
            if item.id in seen:
                raise RulebookError(self.source, where, "duplicate item id")
            seen.add(item.id)
            self._check_source(item.source, f"{where}.source")
            items.append(
                ItemRule(
                    item.id,
                    item.title,
                    item.severity,
                    item.confirm,
                    item.source,
                    self._condition(item.applies, f"{where}.applies"),
                    tuple(self._cue(c, f"{where}.cues[{i}]") for i, c in enumerate(item.cues)),
                    self._facts(item.facts, f"{where}.facts"),
                    item.order,
                    item.topic,
                )
            )
        violations = []
        for v in s.violations:
            where = f"violations[{v.id}]"
            if v.id in seen:
                raise RulebookError(self.source, where, "duplicate id")
            seen.add(v.id)
            self._check_source(v.source, f"{where}.source")
            if v.kind is ViolationKind.PATTERN and not v.patterns:
                raise RulebookError(self.source, f"{where}.patterns", "a pattern violation needs patterns")
            violations.append(
                ViolationRule(
                    v.id,
                    v.principle,
                    v.severity,
                    v.source,
                    v.kind,
                    self._condition(v.applies, f"{where}.applies"),
                    tuple(self._cue(c, f"{where}.patterns[{i}]") for i, c in enumerate(v.patterns)),
                    tuple(self._cue(c, f"{where}.answers[{i}]") for i, c in enumerate(v.answers)),
                    tuple(self._cue(c, f"{where}.disclosure[{i}]") for i, c in enumerate(v.disclosure)),
                    tuple(self._cue(c, f"{where}.suspicions[{i}]") for i, c in enumerate(v.suspicions)),
                )
            )
        verdict = VerdictPolicy(
            frozenset(s.verdict.fail.items),
            frozenset(s.verdict.fail.violations),
            frozenset(s.verdict.review.items),
            frozenset(s.verdict.review.violations),
            s.verdict.review.unconfirmed,
            s.verdict.review.low_confidence,
            s.verdict.review.suspicions,
        )
        return Rulebook(
            s.version,
            s.effective,
            s.confidence_threshold,
            {k.value: v for k, v in s.suitability_matrix.items()},
            dict(s.settings),
            lexicon,
            self.concepts,
            tuple(items),
            tuple(violations),
            verdict,
            dict(s.sources),
            frozenset(self._known(s.compounds, "compounds")),
        )

    def _known(self, names: list[str], where: str) -> list[str]:
        for i, name in enumerate(names):
            if name not in self.concepts:
                raise RulebookError(self.source, f"{where}[{i}]", f"unknown concept {name!r}")
        return names

    def _check_source(self, source: str, where: str) -> None:
        if source not in self.schema.sources and len(source) < 8:
            raise RulebookError(
                self.source,
                where,
                f"unknown source {source!r}: name a key of 'sources' or write the legal basis out",
            )
