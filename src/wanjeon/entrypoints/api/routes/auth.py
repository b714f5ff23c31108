"""``POST /api/v1/auth/token``: local accounts log in with a form and get a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from wanjeon.adapters.auth.tokens import Unauthenticated
from wanjeon.entrypoints.api.deps import ContainerDep
from wanjeon.entrypoints.api.schemas import TokenRead

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenRead)
def token(
    container: ContainerDep,
    username: Annotated[str, Form(min_length=1, max_length=128)],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
) -> TokenRead:
    account = container.login(username, password)
    if account is None:
        raise Unauthenticated("wrong username or password")
    container.services.audit.append(
        actor=account.username, action="session.login", target=f"account:{username}"
    )
    return TokenRead(
        access_token=container.tokens.issue(account), expires_in=container.settings.token_ttl_minutes * 60
    )
