"""Signed, expiring links that let one person answer one question on one case.

The token says which workflow, case, question, recipient and nonce it is for; the signature
stops anyone changing those. Single use is enforced by the workflow (the nonce), not here.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from itsdangerous import BadData, BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode
from pydantic import BaseModel, ValidationError

_SALT = "respond-link.v1"
_FORM_SALT = "respond-form.v1"


class LinkClaims(BaseModel):
    workflow_id: str
    case_ref: str
    question_id: str
    nonce: str
    recipient: str
    expires: int  # unix seconds


class LinkRejected(Exception):
    """`case_ref` is known when the link is genuine but unusable (expired), so the page can
    name the case for the person to quote to the partnership team."""

    def __init__(self, reason: str, status: int, case_ref: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.case_ref = case_ref


class LinkSigner:
    def __init__(self, secret: str, max_age_days: int = 28):
        if len(secret) < 16:
            raise ValueError("LINK_SIGNING_KEY must be at least 16 characters")
        self._serializer = URLSafeSerializer(secret, salt=_SALT)
        self._max_age = max_age_days * 86400

    def sign(
        self,
        *,
        workflow_id: str,
        case_ref: str,
        question_id: str,
        nonce: str,
        recipient: str,
        now: float | None = None,
    ) -> str:
        claims = LinkClaims(
            workflow_id=workflow_id,
            case_ref=case_ref,
            question_id=question_id,
            nonce=nonce,
            recipient=recipient,
            expires=int((now if now is not None else time.time()) + self._max_age),
        )
        return str(self._serializer.dumps(claims.model_dump()))

    def verify(self, token: str, now: float | None = None) -> LinkClaims:
        try:
            _require_canonical_signature(token)
            claims = LinkClaims.model_validate(self._serializer.loads(token))
        except (BadData, ValidationError, TypeError, ValueError):
            raise LinkRejected("This link is not valid: it may have been altered or cut short.",
                               400) from None
        if claims.expires < (now if now is not None else time.time()):
            raise LinkRejected("This link has expired.", 410, claims.case_ref)
        return claims


def _require_canonical_signature(token: str) -> None:
    """Refuse a signature whose last character differs from ours only in its unused bits.

    Base64 leaves spare bits in the final character, so several spellings decode to the same
    signature and itsdangerous accepts them all. One link must have one spelling: an altered
    link is never honoured, even when the alteration happens to mean nothing.
    """
    signature = token.rpartition(".")[2].encode("ascii")
    if base64_encode(base64_decode(signature)) != signature:
        raise BadSignature("signature is not in canonical form")


class FormGuard:
    """Proof that an answer was posted from the form our own page rendered for this link.

    The page carries a short-lived token signed for the link's nonce; a forged cross-site post
    has neither it nor our Origin. Browsers that say where a post came from (Origin,
    Sec-Fetch-Site) are also held to our own site. `Origin: null` says nothing about where a
    post came from (a browser sends it under a strict referrer policy, or from a privacy
    setting), so it counts as absent and the form token alone decides.
    """

    MAX_AGE_SECONDS = 24 * 3600

    def __init__(self, secret: str, public_base_url: str):
        self._serializer = URLSafeTimedSerializer(secret, salt=_FORM_SALT)
        parts = urlsplit(public_base_url)
        self._origin = f"{parts.scheme}://{parts.netloc}".lower()

    def issue(self, nonce: str) -> str:
        return str(self._serializer.dumps(nonce))

    def accepts(self, nonce: str, token: str | None, origin: str | None,
                fetch_site: str | None) -> bool:
        origin = None if origin == "null" else origin
        if fetch_site == "cross-site" or (origin and origin.lower() != self._origin):
            return False
        if not token:
            return False
        try:
            return bool(self._serializer.loads(token, max_age=self.MAX_AGE_SECONDS) == nonce)
        except BadSignature:  # includes SignatureExpired
            return False
