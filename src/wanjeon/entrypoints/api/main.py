"""The ASGI factory uvicorn imports in each worker process (``--workers N``)."""

from __future__ import annotations

from fastapi import FastAPI

from wanjeon.bootstrap import build_container
from wanjeon.config import Settings
from wanjeon.entrypoints.api.app import create_app


def app() -> FastAPI:
    return create_app(build_container(Settings(), migrate=False))
