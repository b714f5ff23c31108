"""Demo data: accounts for every role, the bundled products and customers, and a
dozen consultations transcribed and verified through the real use cases.

Seeding is idempotent: running it on a data folder that has it already adds nothing.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from wanjeon.accounts.model import Account, Principal, Role, Scope
from wanjeon.bootstrap import Container
from wanjeon.consultation import catalogue, services
from wanjeon.consultation.lifecycle import Decision
from wanjeon.consultation.ports import AlreadyExists


@dataclass(frozen=True, slots=True)
class DemoAccount:
    account: Account
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(Account("seller1", Role.SELLER, "강남", "김판매 (강남)"), "wanjeon-seller1"),
    DemoAccount(Account("seller2", Role.SELLER, "여의도", "이판매 (여의도)"), "wanjeon-seller2"),
    DemoAccount(Account("reviewer1", Role.REVIEWER, "강남", "박심사 (강남)"), "wanjeon-reviewer1"),
    DemoAccount(
        Account("reviewer-hq", Role.REVIEWER, "본점", "최심사 (전 지점)", Scope.ALL), "wanjeon-reviewer-hq"
    ),
    DemoAccount(Account("auditor1", Role.AUDITOR, "본점", "정감사"), "wanjeon-auditor1"),
    DemoAccount(Account("admin", Role.ADMIN, "본점", "관리자"), "wanjeon-admin"),
)


def demo_cases_dir() -> Path:
    return Path(str(resources.files("wanjeon.demo").joinpath("cases")))


def seed(container: Container) -> list[DemoAccount]:
    """Create what is missing and return the accounts (with their demo passwords)."""
    from wanjeon.adapters.files import list_case_files, load_case

    created: list[DemoAccount] = []
    for demo in DEMO_ACCOUNTS:
        password = demo.password
        if demo.account.username == "admin" and container.settings.admin_password is not None:
            password = container.settings.admin_password.get_secret_value()
        with suppress(AlreadyExists):
            container.create_account(demo.account, password)
        created.append(DemoAccount(demo.account, password))
    s = container.services
    with s.uow() as uow:
        already = uow.products.list()
    if already:
        return created
    admin = Principal("admin", Role.ADMIN, "본점", Scope.ALL)
    sellers = [
        Principal(d.account.username, Role.SELLER, d.account.branch, Scope.OWN) for d in DEMO_ACCOUNTS[:2]
    ]
    reviewer = Principal("reviewer-hq", Role.REVIEWER, "본점", Scope.ALL)
    for n, path in enumerate(list_case_files(demo_cases_dir())):
        case = load_case(path)
        seller = sellers[n % 2]
        assert case.customer is not None
        with suppress(AlreadyExists):
            catalogue.add_product(s, admin, case.product)
        with suppress(AlreadyExists):
            catalogue.add_customer(s, admin, case.customer)
        opened = services.open_consultation(s, seller, case.product.id, case.customer.id, case.context)
        services.store_transcript(s, seller, opened.id, case.transcript)
        record = services.verify_consultation(s, seller, opened.id)
        if n % 3 == 0:
            decision = Decision.APPROVE if record.verdict == "pass" else Decision.FOLLOW_UP
            services.review_consultation(s, reviewer, opened.id, decision, "데모 심사")
    return created
