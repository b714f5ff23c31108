"""The domain core imports no framework (style.md, rule 2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "wanjeon"
DOMAIN = [
    "consultation",
    "transcript",
    "rulebook",
    "verification",
    "evaluation",
    "recording",
    "accounts",
    "audit",
    "privacy",
]
FORBIDDEN = {
    "fastapi",
    "sqlalchemy",
    "boto3",
    "aiokafka",
    "faster_whisper",
    "pydantic",
    "yaml",
    "kiwipiepy",
    "rapidfuzz",
    "typer",
    "redis",
    "starlette",
    "httpx",
}


@pytest.mark.parametrize("context", DOMAIN)
def test_a_domain_context_imports_only_the_standard_library_and_the_domain(context: str) -> None:
    offenders = []
    for path in (SRC / context).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN or name.startswith(("wanjeon.adapters", "wanjeon.entrypoints")):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []
