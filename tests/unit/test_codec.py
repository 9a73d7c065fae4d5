"""The payload codec (AES-GCM, key ids, rotation) and the codec endpoint the Temporal UI calls."""

from __future__ import annotations

import base64

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from domain.settings import Settings
from starter.codec import (
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    PayloadKeysInvalid,
    PayloadUndecryptable,
    data_converter,
    new_key_entry,
    parse_keys,
)
from tests.support import OPERATOR_TOKEN, PAYLOAD_KEYS, SIGNING_KEY
from web.app import create_app

NAME = b'{"first_name":"Zephyrine","address":"7 Quillfeather Lane"}'
OLD_KEY = PAYLOAD_KEYS.split(",")[1]  # test-1


def plain(data: bytes = NAME) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


async def test_a_payload_is_sealed_under_the_first_key_and_opens_again() -> None:
    codec = EncryptionCodec(parse_keys(PAYLOAD_KEYS))
    (sealed,) = await codec.encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"test-2"
    assert b"Zephyrine" not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString()  # the inner metadata is sealed too
    (opened,) = await codec.decode([sealed])
    assert opened == plain()
    (again,) = await codec.encode([plain()])
    assert again.data != sealed.data  # a fresh nonce every time


async def test_rotation_new_key_encrypts_old_key_still_opens() -> None:
    before = EncryptionCodec(parse_keys(OLD_KEY))  # the deployment before rotation
    (old,) = await before.encode([plain()])
    after = EncryptionCodec(parse_keys(PAYLOAD_KEYS))  # new key first, old key kept
    assert (await after.decode([old]))[0] == plain()
    (new,) = await after.encode([plain()])
    assert new.metadata[KEY_ID] == b"test-2"
    with pytest.raises(PayloadUndecryptable, match="key 'test-2'.*not in PAYLOAD_KEYS"):
        await before.decode([new])  # a worker not yet given the new key says so


async def test_altered_ciphertext_and_unencrypted_payloads() -> None:
    codec = EncryptionCodec(parse_keys(PAYLOAD_KEYS))
    (sealed,) = await codec.encode([plain()])
    tampered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + b"\x00")
    with pytest.raises(PayloadUndecryptable, match="failed authentication"):
        await codec.decode([tampered])
    assert (await codec.decode([plain()]))[0] == plain()  # recorded before encryption


@pytest.mark.parametrize(("value", "problem"), [
    ("", "entry 1 must look like"),
    ("k1", "entry 1 must look like"),
    ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
    ("k1:not base64!!", "not base64"),
    (f"{OLD_KEY},{OLD_KEY}", "lists key id 'test-1' twice"),
])
def test_bad_key_configuration_is_named(value: str, problem: str) -> None:
    with pytest.raises(PayloadKeysInvalid, match=problem):
        parse_keys(value)


def test_new_key_entries_parse() -> None:
    (key,) = parse_keys(new_key_entry("2027a")).values()
    assert len(key) == 32


async def test_failure_messages_are_encrypted_too() -> None:
    converter = data_converter(EncryptionCodec(parse_keys(PAYLOAD_KEYS)))
    failure = Failure()
    await converter.encode_failure(ApplicationError("referral for Zephyrine refused"), failure)
    assert failure.message == "Encoded failure"
    assert b"Zephyrine" not in failure.SerializeToString()
    assert "Zephyrine" in str(await converter.decode_failure(failure))


def web(operator_token: str | None = OPERATOR_TOKEN) -> httpx.AsyncClient:
    """The web app in process, over httpx's ASGI transport (no server, no Temporal)."""
    settings = Settings(link_signing_key=SIGNING_KEY, intake_api_token="t",
                        payload_keys=PAYLOAD_KEYS, operator_token=operator_token,
                        temporal_ui_origin="http://localhost:8233")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                             base_url="http://testserver")


async def test_codec_endpoint_decodes_only_for_the_operator() -> None:
    (sealed,) = await EncryptionCodec(parse_keys(PAYLOAD_KEYS)).encode([plain()])
    body = json_format.MessageToJson(Payloads(payloads=[sealed]))
    async with web() as client:
        decoded = await client.post(f"/codec/{OPERATOR_TOKEN}/decode", content=body)
        assert decoded.status_code == 200
        (payload,) = json_format.Parse(decoded.text, Payloads()).payloads
        assert payload.data == NAME
        bearer = await client.post("/codec/decode", content=body,
                                   headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
        assert json_format.Parse(bearer.text, Payloads()).payloads[0].data == NAME
        for url, headers in (("/codec/wrong-token/decode", {}), ("/codec/decode", {}),
                             ("/codec/decode", {"Authorization": "Bearer wrong"})):
            refused = await client.post(url, content=body, headers=headers)
            assert refused.status_code == 401 and "Zephyrine" not in refused.text
        broken = await client.post(f"/codec/{OPERATOR_TOKEN}/decode", content="{nope")
        assert broken.status_code == 400
        encoded = await client.post(
            f"/codec/{OPERATOR_TOKEN}/encode",
            content=json_format.MessageToJson(Payloads(payloads=[plain()])))
    assert b"Zephyrine" not in base64.b64decode(encoded.json()["payloads"][0]["data"])


async def test_the_ui_origin_may_call_the_codec_endpoint_and_others_may_not() -> None:
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-namespace"}
    async with web() as client:
        ok = await client.options(f"/codec/{OPERATOR_TOKEN}/decode",
                                  headers={"Origin": "http://localhost:8233", **preflight})
        other = await client.options(f"/codec/{OPERATOR_TOKEN}/decode",
                                     headers={"Origin": "https://evil.example.com", **preflight})
    assert ok.headers["access-control-allow-origin"] == "http://localhost:8233"
    assert "access-control-allow-origin" not in other.headers


async def test_without_an_operator_token_there_is_no_codec_endpoint() -> None:
    async with web(operator_token=None) as client:
        assert (await client.post("/codec/decode", content="{}")).status_code == 404
