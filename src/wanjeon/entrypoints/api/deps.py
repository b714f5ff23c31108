"""FastAPI dependencies as ``Annotated`` aliases (the FastAPI template's habit).

They are ``async`` so that FastAPI runs them on the event loop instead of handing
each to the thread pool: they only read state and check a token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from wanjeon.accounts.model import Principal
from wanjeon.adapters.auth.tokens import Unauthenticated
from wanjeon.bootstrap import Container
from wanjeon.consultation.services import Services


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from POST /api/v1/auth/token, the bank's identity provider, or a service token",
)


async def get_principal(
    container: ContainerDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("an Authorization: Bearer token is required")
    return container.authenticate(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_services(container: ContainerDep) -> Services:
    return container.services


ServicesDep = Annotated[Services, Depends(get_services)]


def json_response(body: BaseModel, status_code: int = 200) -> Response:
    """``body`` serialised once. Returning the model itself would have FastAPI validate it
    again against the route's ``response_model`` (which stays, for the OpenAPI document)."""
    return Response(body.model_dump_json(), status_code=status_code, media_type="application/json")
