"""The audit log, for auditors (and admins): who read or changed what, and whether the chain holds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from wanjeon.accounts.policy import Action, require
from wanjeon.audit.chain import verify_chain
from wanjeon.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from wanjeon.entrypoints.api.schemas import AuditEntryRead

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryRead])
def entries(
    who: CurrentPrincipal,
    s: ServicesDep,
    after_seq: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: str | None = None,
    target: str | None = None,
    action: str | None = None,
) -> list[AuditEntryRead]:
    require(who, Action.READ_AUDIT)
    found = s.audit.entries(after_seq=after_seq, limit=limit, actor=actor, target=target, action=action)
    return [
        AuditEntryRead(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            target=e.target,
            detail=dict(e.detail),
            prev_hash=e.prev_hash,
            hash=e.hash,
        )
        for e in found
    ]


@router.get("/verify")
def verify(who: CurrentPrincipal, s: ServicesDep) -> dict[str, Any]:
    require(who, Action.READ_AUDIT)
    report = verify_chain(s.audit.all())
    return {"ok": report.ok, "checked": report.checked, "problems": list(report.problems)}
