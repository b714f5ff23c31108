"""Who may do what, and who sees which consultation."""

from __future__ import annotations

import pytest

from wanjeon.accounts.model import Principal, Role, Scope
from wanjeon.accounts.policy import Action, Forbidden, may, require_on, sees

SELLER = Principal("seller1", Role.SELLER, "강남", Scope.OWN)
REVIEWER = Principal("reviewer1", Role.REVIEWER, "강남", Scope.BRANCH)
HQ = Principal("hq", Role.REVIEWER, "본점", Scope.ALL)
AUDITOR = Principal("aud", Role.AUDITOR, "본점", Scope.ALL)
ADMIN = Principal("admin", Role.ADMIN, "본점", Scope.ALL)


@pytest.mark.parametrize(
    ("who", "action", "allowed"),
    [
        (SELLER, Action.REVIEW, False),
        (SELLER, Action.READ_AUDIT, False),
        (SELLER, Action.RECORD, True),
        (REVIEWER, Action.REVIEW, True),
        (REVIEWER, Action.CREATE_CONSULTATION, False),
        (AUDITOR, Action.READ_AUDIT, True),
        (AUDITOR, Action.VERIFY, False),
        (AUDITOR, Action.RECORD, False),
        (ADMIN, Action.MANAGE_ACCOUNTS, True),
        (SELLER, Action.WRITE_PRODUCT, False),
    ],
)
def test_each_role_has_exactly_its_rights(who: Principal, action: Action, allowed: bool) -> None:
    assert may(who, action) is allowed


def test_visibility_follows_the_scope() -> None:
    assert sees(SELLER, agent="seller1", branch="강남")
    assert not sees(SELLER, agent="seller9", branch="강남")
    assert sees(REVIEWER, agent="seller9", branch="강남")
    assert not sees(REVIEWER, agent="seller9", branch="여의도")
    assert sees(HQ, agent="anyone", branch="여의도")


def test_an_invisible_consultation_is_hidden_not_forbidden() -> None:
    with pytest.raises(Forbidden) as caught:
        require_on(SELLER, Action.READ_CONSULTATION, agent="seller9", branch="여의도")
    assert caught.value.hide
    with pytest.raises(Forbidden) as visible:
        require_on(AUDITOR, Action.REVIEW, agent="seller9", branch="여의도")
    assert not visible.value.hide
