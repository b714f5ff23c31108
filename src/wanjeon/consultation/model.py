"""What is being sold, to whom, and how: the facts a verification is judged against.

These are plain frozen dataclasses; the file formats (``formats.md``) are parsed
into them by ``wanjeon.adapters.files`` so the domain never sees YAML or pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    INVESTMENT = "investment"
    DEPOSIT = "deposit"
    LOAN = "loan"
    INSURANCE = "insurance"


class Kind(StrEnum):
    FUND = "fund"
    ELS = "els"
    DLS = "dls"
    ELF = "elf"
    BOND = "bond"
    TRUST = "trust"
    WRAP = "wrap"
    DEPOSIT = "deposit"
    SAVINGS = "savings"
    CREDIT_LOAN = "credit_loan"
    MORTGAGE = "mortgage"
    SECURED_LOAN = "secured_loan"
    PROTECTION_INSURANCE = "protection_insurance"
    SAVINGS_INSURANCE = "savings_insurance"
    VARIABLE_INSURANCE = "variable_insurance"


KIND_CATEGORY: dict[Kind, Category] = {
    **{
        k: Category.INVESTMENT
        for k in (Kind.FUND, Kind.ELS, Kind.DLS, Kind.ELF, Kind.BOND, Kind.TRUST, Kind.WRAP)
    },
    Kind.DEPOSIT: Category.DEPOSIT,
    Kind.SAVINGS: Category.DEPOSIT,
    Kind.CREDIT_LOAN: Category.LOAN,
    Kind.MORTGAGE: Category.LOAN,
    Kind.SECURED_LOAN: Category.LOAN,
    Kind.PROTECTION_INSURANCE: Category.INSURANCE,
    Kind.SAVINGS_INSURANCE: Category.INSURANCE,
    Kind.VARIABLE_INSURANCE: Category.INSURANCE,
}


class InvestorType(StrEnum):
    """The five standard investor profiles (투자성향), riskiest first."""

    AGGRESSIVE = "aggressive"
    ACTIVE = "active"
    NEUTRAL = "neutral"
    STABLE_SEEKING = "stable_seeking"
    STABLE = "stable"


class Channel(StrEnum):
    BRANCH = "branch"
    PHONE = "phone"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    category: Category
    kind: Kind
    risk_grade: int | None = None
    complex: bool = False
    principal_protected: bool = False
    deposit_insured: bool = False
    withdrawal_days: int | None = None
    fees: str | None = None
    features: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    age: int
    investor_type: InvestorType
    investment_experience_years: int | None = None
    vulnerable: bool = False


@dataclass(frozen=True, slots=True)
class SaleContext:
    """How the sale happened: ``recommended`` is 투자권유 by the seller."""

    recommended: bool = True
    channel: Channel = Channel.BRANCH
