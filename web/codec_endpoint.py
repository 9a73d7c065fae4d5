"""The codec endpoint the Temporal UI calls to show an operator decrypted payloads.

The UI posts `{"payloads": [...]}` to `<endpoint>/decode` (and `/encode`) from the operator's
browser. Only someone holding OPERATOR_TOKEN may use it: the endpoint an operator enters in the
UI's codec settings carries the token in its path, because the UI cannot add headers of its
own (`https://reviews.example.org/codec/<OPERATOR_TOKEN>`); scripts may send it as a bearer
header instead. Without OPERATOR_TOKEN the endpoint does not exist.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from starter.codec import PayloadUndecryptable
from web.services import Services, Shared

router = APIRouter()


def is_operator(shared: Services, path_token: str | None, authorization: str | None) -> bool:
    token = shared.settings.operator_token
    offered = path_token or (authorization or "").removeprefix("Bearer ").strip()
    return token is not None and bool(offered) and secrets.compare_digest(
        offered.encode(), token.get_secret_value().encode())


async def convert(request: Request, shared: Services, direction: str, allowed: bool) -> Response:
    if direction not in ("encode", "decode"):
        return JSONResponse({"detail": "use /decode or /encode"}, status_code=404)
    if not allowed:
        return JSONResponse({"detail": "operator token missing or wrong"}, status_code=401)
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as err:
        return JSONResponse({"detail": f"body is not a Payloads JSON object: {err}"},
                            status_code=400)
    try:
        if direction == "decode":
            done = await shared.codec.decode(payloads.payloads)
        else:
            done = await shared.codec.encode(payloads.payloads)
    except PayloadUndecryptable as err:
        return JSONResponse({"detail": str(err)}, status_code=422)
    return Response(json_format.MessageToJson(Payloads(payloads=done)),
                    media_type="application/json")


@router.post("/codec/{token}/{direction}")
async def with_path_token(token: str, direction: str, request: Request,
                          shared: Shared) -> Response:
    return await convert(request, shared, direction, is_operator(shared, token, None))


@router.post("/codec/{direction}")
async def with_bearer(direction: str, request: Request, shared: Shared,
                      authorization: Annotated[str | None, Header()] = None) -> Response:
    return await convert(request, shared, direction, is_operator(shared, None, authorization))
