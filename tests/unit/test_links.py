"""Signed, expiring respond links."""

import time
from typing import Any

import pytest
from itsdangerous import URLSafeSerializer

from domain.links import FormGuard, LinkClaims, LinkRejected, LinkSigner
from tests.support import BASE64URL, SIGNING_KEY

NOW = 1_790_000_000.0  # a fixed instant (Sep 2026) so tokens are reproducible
DAY = 86400
CLAIMS: dict[str, Any] = dict(
    workflow_id="case-IOW-2026-0001-sin-decision",
    case_ref="IOW-2026-0001",
    question_id="partner_response:police",
    nonce="n-3f9c2a",
    recipient="police.lig.rep@police.example.org",
)


def sign(signer: LinkSigner | None = None, now: float = NOW, **changes: str) -> str:
    return (signer or LinkSigner(SIGNING_KEY)).sign(**{**CLAIMS, **changes}, now=now)


def rejected(token: str, now: float = NOW + DAY, key: str = SIGNING_KEY) -> LinkRejected:
    with pytest.raises(LinkRejected) as caught:
        LinkSigner(key).verify(token, now=now)
    assert caught.value.reason == str(caught.value) and caught.value.reason
    return caught.value


def flip(text: str, index: int) -> str:
    """Replace one character with a different URL-safe base64 character."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1:]


def test_round_trip_keeps_every_claim() -> None:
    claims = LinkSigner(SIGNING_KEY).verify(sign(), now=NOW + DAY)
    assert isinstance(claims, LinkClaims)
    assert claims.model_dump(exclude={"expires"}) == CLAIMS
    assert claims.expires == int(NOW) + 28 * DAY


def test_round_trip_with_real_clock() -> None:
    signer = LinkSigner(SIGNING_KEY)
    claims = signer.verify(signer.sign(**CLAIMS))
    assert claims.nonce == CLAIMS["nonce"]
    assert claims.expires > time.time() + 27 * DAY


def test_token_is_url_safe() -> None:
    token = sign()
    assert set(token) <= set(BASE64URL + ".")


def test_different_claims_give_different_tokens() -> None:
    assert sign() != sign(nonce="n-other")
    assert sign() != sign(recipient="scr.team@police.example.org")


def test_max_age_sets_expiry() -> None:
    token = sign(LinkSigner(SIGNING_KEY, max_age_days=3))
    assert LinkSigner(SIGNING_KEY).verify(token, now=NOW).expires == int(NOW) + 3 * DAY


@pytest.mark.parametrize("offset", [0.25, 0.5, 0.75])
def test_tampered_payload_is_rejected(offset: float) -> None:
    token = sign()
    payload, signature = token.rsplit(".", 1)
    index = int(len(payload) * offset)
    tampered = flip(payload, index) + "." + signature
    assert tampered != token
    assert rejected(tampered).status == 400


@pytest.mark.parametrize("offset", [0.0, 0.25, 0.5, 0.75])
def test_tampered_signature_is_rejected(offset: float) -> None:
    token = sign()
    payload, signature = token.rsplit(".", 1)
    tampered = payload + "." + flip(signature, int(len(signature) * offset))
    assert tampered != token
    assert rejected(tampered).status == 400


def test_every_other_spelling_of_the_signatures_last_character_is_rejected() -> None:
    # Base64's final character carries spare bits, so some of these decode to the very same
    # signature; itsdangerous alone would accept them (CI found one through the web form).
    token = sign()
    for other in BASE64URL.replace(token[-1], ""):
        assert rejected(token[:-1] + other).status == 400


def test_swapped_signature_from_another_link_is_rejected() -> None:
    payload = sign().rsplit(".", 1)[0]
    other_signature = sign(nonce="n-other").rsplit(".", 1)[1]
    assert rejected(f"{payload}.{other_signature}").status == 400


def test_token_signed_with_another_key_is_rejected() -> None:
    token = sign(LinkSigner("another-key-0123456789abcdef"))
    assert rejected(token).status == 400


def test_token_signed_for_another_purpose_is_rejected() -> None:
    """Same key, different salt (e.g. some other signed value in the app)."""
    token = URLSafeSerializer(SIGNING_KEY, salt="something-else").dumps(
        {**CLAIMS, "expires": int(NOW) + DAY})
    assert rejected(str(token)).status == 400


def test_validly_signed_token_with_wrong_shape_is_rejected() -> None:
    serializer = URLSafeSerializer(SIGNING_KEY, salt="respond-link.v1")
    assert LinkSigner(SIGNING_KEY).verify(  # the salt is right: a complete one is accepted
        str(serializer.dumps({**CLAIMS, "expires": int(NOW) + DAY})), now=NOW)
    for payload in ({"nonce": "n"}, ["not", "a", "dict"], "text", None):
        assert rejected(str(serializer.dumps(payload))).status == 400


def test_expired_token_is_rejected_with_410() -> None:
    signer = LinkSigner(SIGNING_KEY, max_age_days=28)
    token = signer.sign(**CLAIMS, now=time.time() - 30 * DAY)
    with pytest.raises(LinkRejected) as caught:
        signer.verify(token)
    assert caught.value.status == 410
    assert "expired" in caught.value.reason


def test_expiry_boundary() -> None:
    token = sign()
    expires = int(NOW) + 28 * DAY
    assert LinkSigner(SIGNING_KEY).verify(token, now=expires).nonce == CLAIMS["nonce"]
    assert rejected(token, now=expires + 1).status == 410


def test_tampering_is_reported_before_expiry() -> None:
    token = sign(now=NOW - 60 * DAY)
    payload, signature = token.rsplit(".", 1)
    assert rejected(flip(payload, len(payload) // 2) + "." + signature).status == 400


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated_token_is_rejected(cut: int) -> None:
    assert rejected(sign()[:-cut]).status == 400


def test_token_without_its_signature_is_rejected() -> None:
    token = sign()
    assert rejected(token.rsplit(".", 1)[0]).status == 400
    assert rejected(token.rsplit(".", 1)[0] + ".").status == 400


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "..", "abc", "abc.def", "not a token at all", "é.é", "\x00", "a" * 5000,
     "%2E%2E%2Fetc%2Fpasswd"],
)
def test_garbage_token_is_rejected(garbage: str) -> None:
    assert rejected(garbage).status == 400


@pytest.mark.parametrize("key", ["", "short", "fifteen-chars-x"])
def test_short_key_is_refused(key: str) -> None:
    assert len(key) < 16
    with pytest.raises(ValueError):
        LinkSigner(key)


def test_sixteen_character_key_is_enough() -> None:
    key = "sixteen-chars-xx"
    assert len(key) == 16
    signer = LinkSigner(key)
    assert signer.verify(signer.sign(**CLAIMS)).case_ref == CLAIMS["case_ref"]


ORIGIN = "https://reviews.example.org"


def guard() -> FormGuard:
    return FormGuard(SIGNING_KEY, ORIGIN + "/")


def test_form_token_from_our_page_is_accepted_with_our_origin_or_none() -> None:
    token = guard().issue("n-1")
    assert guard().accepts("n-1", token, ORIGIN, "same-origin")
    assert guard().accepts("n-1", token, None, None)  # an older browser, or a script


def test_origin_null_counts_as_absent_and_the_form_token_decides() -> None:
    """A browser under a strict referrer policy posts its own page's form with Origin: null."""
    token = guard().issue("n-1")
    assert guard().accepts("n-1", token, "null", "same-origin")
    assert not guard().accepts("n-1", None, "null", "same-origin")
    assert not guard().accepts("n-1", guard().issue("n-other"), "null", "same-origin")


def test_another_sites_post_is_refused_even_with_a_genuine_token() -> None:
    token = guard().issue("n-1")
    assert not guard().accepts("n-1", token, "https://evil.example.com", None)
    assert not guard().accepts("n-1", token, "null", "cross-site")
    assert not guard().accepts("n-1", token, None, "cross-site")


def test_expired_link_still_names_its_case() -> None:
    caught = rejected(sign(), now=NOW + 29 * DAY)
    assert caught.status == 410 and caught.case_ref == CLAIMS["case_ref"]
