"""Encryption of every Temporal payload: what the server stores and its UI shows is ciphertext.

A referral's names, dates of birth and address travel as workflow inputs, signals and query
results; Temporal keeps them in its database for as long as it keeps the history. This codec
seals each payload with AES-256-GCM before it leaves the process, and names the key it used in
the payload's metadata, so keys can be rotated: new payloads use the first key in
`PAYLOAD_KEYS`, and every key listed can still open what it sealed. Payloads that were never
encrypted (histories recorded before this codec) pass through unchanged.

    PAYLOAD_KEYS="2026b:<base64 of 32 bytes>,2026a:<base64 of 32 bytes>"
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
CIPHER = "encryption-cipher"
AES_GCM = b"AES256-GCM"
NONCE_BYTES = 12
# Binds the ciphertext to its purpose: a sealed payload cannot be passed off as anything else.
ASSOCIATED_DATA = b"safeguarding-reviews/temporal-payload/v1"


class PayloadKeysInvalid(ValueError):
    pass


class PayloadUndecryptable(ValueError):
    pass


def parse_keys(value: str) -> dict[str, bytes]:
    """`id:base64key,id:base64key` → {id: key}, in order (the first one encrypts)."""
    keys: dict[str, bytes] = {}
    for n, item in enumerate(part.strip() for part in value.split(",")):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or not encoded:
            raise PayloadKeysInvalid(f"PAYLOAD_KEYS entry {n + 1} must look like "
                                     "'key-id:base64-of-32-bytes'")
        if key_id in keys:
            raise PayloadKeysInvalid(f"PAYLOAD_KEYS lists key id '{key_id}' twice")
        try:
            key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4),
                                   altchars=b"-_", validate=True)
        except binascii.Error:
            raise PayloadKeysInvalid(f"PAYLOAD_KEYS key '{key_id}' is not base64") from None
        if len(key) != 32:
            raise PayloadKeysInvalid(f"PAYLOAD_KEYS key '{key_id}' must be 32 bytes "
                                     f"(AES-256), not {len(key)}")
        keys[key_id] = key
    return keys


def new_key_entry(key_id: str) -> str:
    """A fresh `id:key` entry, for local running and for operators rotating keys."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes]):
        if not keys:
            raise PayloadKeysInvalid("PAYLOAD_KEYS must list at least one key")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = next(iter(keys))

    @property
    def active_key_id(self) -> str:
        return self._active

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(p) for p in payloads]

    def _seal(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._active].encrypt(
            nonce, payload.SerializeToString(), ASSOCIATED_DATA)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: self._active.encode(),
                                 CIPHER: AES_GCM},
                       data=nonce + sealed)

    def _open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # never encrypted: written before the codec existed
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadUndecryptable(
                f"payload was encrypted with key '{key_id}', which is not in PAYLOAD_KEYS "
                f"(have: {', '.join(self._ciphers)})")
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:],
                                   ASSOCIATED_DATA)
        except InvalidTag:
            raise PayloadUndecryptable(
                f"payload failed authentication with key '{key_id}': it was altered or "
                "sealed with a different key under the same id") from None
        return Payload.FromString(plain)


def data_converter(codec: EncryptionCodec) -> DataConverter:
    """The pydantic converter, every payload encrypted, and failure messages and stack traces
    moved into an encoded payload too (an error can quote what it was given)."""
    return dataclasses.replace(
        pydantic_data_converter, payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes)
