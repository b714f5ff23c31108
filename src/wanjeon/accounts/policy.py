"""What each role may do: one table, checked in one place, tested as a matrix.

Visibility of a consultation follows the principal's scope: ``own`` sees what it
sold, ``branch`` what its branch sold, ``all`` everything. Lists filter by the
same rule, so a list can never show what a read would refuse.
"""

from __future__ import annotations

from enum import StrEnum

from wanjeon.accounts.model import Principal, Role, Scope
from wanjeon.errors import WanjeonError


class Action(StrEnum):
    READ_CATALOGUE = "read_catalogue"  # products, customers
    WRITE_PRODUCT = "write_product"
    WRITE_CUSTOMER = "write_customer"
    CREATE_CONSULTATION = "create_consultation"
    READ_CONSULTATION = "read_consultation"
    RECORD = "record"  # recording events, uploads, transcripts
    VERIFY = "verify"
    READ_REPORT = "read_report"
    READ_RECORDING = "read_recording"
    REVIEW = "review"
    READ_AUDIT = "read_audit"
    MANAGE_ACCOUNTS = "manage_accounts"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.SELLER: frozenset(
        {
            Action.READ_CATALOGUE,
            Action.WRITE_CUSTOMER,
            Action.CREATE_CONSULTATION,
            Action.READ_CONSULTATION,
            Action.RECORD,
            Action.VERIFY,
            Action.READ_REPORT,
            Action.READ_RECORDING,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            Action.READ_CATALOGUE,
            Action.READ_CONSULTATION,
            Action.VERIFY,
            Action.READ_REPORT,
            Action.READ_RECORDING,
            Action.REVIEW,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Action.READ_CATALOGUE,
            Action.READ_CONSULTATION,
            Action.READ_REPORT,
            Action.READ_RECORDING,
            Action.READ_AUDIT,
        }
    ),
    Role.ADMIN: frozenset(Action),
}


class Forbidden(WanjeonError):
    """The principal may not do this (HTTP 403), or may not even know it exists (404)."""

    def __init__(self, principal: Principal, action: Action, hide: bool = False) -> None:
        self.hide = hide
        super().__init__(
            f"{principal.role.value} {principal.subject} may not {action.value.replace('_', ' ')}"
        )


def may(principal: Principal, action: Action) -> bool:
    return action in ALLOWED[principal.role]


def require(principal: Principal, action: Action) -> None:
    if not may(principal, action):
        raise Forbidden(principal, action)


def sees(principal: Principal, *, agent: str, branch: str) -> bool:
    """Whether a consultation sold by ``agent`` in ``branch`` is visible to the principal."""
    if principal.scope is Scope.ALL:
        return True
    if principal.scope is Scope.BRANCH:
        return branch == principal.branch
    return agent == principal.subject


def require_on(principal: Principal, action: Action, *, agent: str, branch: str) -> None:
    """``require`` for one consultation: an invisible one is reported as absent (404)."""
    if not sees(principal, agent=agent, branch=branch):
        raise Forbidden(principal, action, hide=True)
    require(principal, action)
