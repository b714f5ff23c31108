"""Who acts: accounts, their roles, and the principal a request runs as.

Roles (api.md): ``seller`` works their own consultations; ``reviewer`` judges the
consultations of their branch (or of every branch, with scope ``all``);
``auditor`` reads everything and the audit log but changes nothing; ``admin``
does everything. Service tokens for integrations (a recorder, a CRM) act with
one of these roles under their own name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SELLER = "seller"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Scope(StrEnum):
    OWN = "own"
    BRANCH = "branch"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class Account:
    """A local account; the password hash is the adapter's business (argon2)."""

    username: str
    role: Role
    branch: str
    display_name: str = ""
    scope: Scope | None = None
    active: bool = True

    @property
    def effective_scope(self) -> Scope:
        if self.scope is not None:
            return self.scope
        return {Role.SELLER: Scope.OWN, Role.REVIEWER: Scope.BRANCH}.get(self.role, Scope.ALL)


@dataclass(frozen=True, slots=True)
class Principal:
    """The identity a request acts as, however it authenticated (local, OIDC, service token)."""

    subject: str
    role: Role
    branch: str
    scope: Scope
    via: str = "local"
