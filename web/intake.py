"""The referral intake API (for the partnership's own systems) and the health check."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from domain.referral import ReferralInvalid
from starter import cases
from web.services import Shared

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/api/referrals", status_code=201)
async def submit_referral(request: Request, shared: Shared,
                          authorization: Annotated[str | None, Header()] = None) -> Any:
    expected = f"Bearer {shared.intake_token}"
    if not authorization or not secrets.compare_digest(authorization, expected):
        return JSONResponse({"detail": "missing or wrong bearer token"}, status_code=401)
    try:
        data = await request.json()
    except ValueError:
        return JSONResponse({"detail": [{"field": "(body)", "message": "not valid JSON"}]},
                            status_code=422)
    try:
        referral = cases.validate_referral(data, shared.settings)
    except ReferralInvalid as err:
        return JSONResponse({"detail": [p.model_dump() for p in err.problems]},
                            status_code=422)
    case_ref, workflow_id = await cases.start_case(await shared.temporal.client(),
                                                   shared.settings, referral)
    return {"case_ref": case_ref, "workflow_id": workflow_id}
