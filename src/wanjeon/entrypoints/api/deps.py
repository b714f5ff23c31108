"""FastAPI dependencies as ``Annotated`` aliases (the FastAPI template's habit).

They are ``async`` so that FastAPI runs them on the event loop instead of handing
each to the thread pool: they only read state and check a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request, Response
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


@dataclass(frozen=True)
class Limiters:
    """Thread pools apart from the default one, made when a worker starts (``lifespan``)."""

    probes: anyio.CapacityLimiter
    live: anyio.CapacityLimiter


def limiter(app: FastAPI, name: str) -> anyio.CapacityLimiter | None:
    """The named limiter, or None (anyio's default) when the app runs without its lifespan."""
    limiters = getattr(app.state, "limiters", None)
    found: anyio.CapacityLimiter | None = None if limiters is None else getattr(limiters, name)
    return found
