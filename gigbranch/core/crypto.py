"""Field encryption behind a small provider interface (ADR 0003).

The default provider is SM4-GCM (GB/T 32907) through `cryptography`; a certified
cryptographic module can replace it by implementing `CipherProvider` and naming the class
in FIELD_CIPHER_PROVIDER. Keys come from the environment as "kid:hexkey" pairs; the first
encrypts, all decrypt, so keys can rotate. Blind indexes use HMAC-SM3 with a separate key.

Stored format: "v1.<kid>.<base64(nonce || ciphertext || tag)>".
"""

from __future__ import annotations

import base64
import functools
import hmac as std_hmac
import os
from typing import Protocol

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    pass


class CipherProvider(Protocol):
    def encrypt(self, plaintext: bytes, *, key: bytes, aad: bytes) -> bytes: ...

    def decrypt(self, blob: bytes, *, key: bytes, aad: bytes) -> bytes: ...


class Sm4GcmProvider:
    """SM4 in GCM mode: 128-bit key, 96-bit random nonce, 128-bit tag."""

    def __init__(self) -> None:
        self._algorithms: dict[bytes, algorithms.SM4] = {}

    def _sm4(self, key: bytes) -> algorithms.SM4:
        alg = self._algorithms.get(key)
        if alg is None:
            alg = self._algorithms[key] = algorithms.SM4(key)
        return alg

    def encrypt(self, plaintext: bytes, *, key: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._sm4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def decrypt(self, blob: bytes, *, key: bytes, aad: bytes) -> bytes:
        nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
        decryptor = Cipher(self._sm4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except Exception as exc:  # InvalidTag
            raise DecryptionError("ciphertext failed authentication") from exc


class FieldCipher:
    def __init__(self, provider: CipherProvider, keys: list[tuple[str, bytes]], hash_key: bytes):
        if not keys:
            raise ImproperlyConfigured("At least one field encryption key is required")
        for kid, key in keys:
            if len(key) != 16:
                raise ImproperlyConfigured(f"Field encryption key {kid} must be 16 bytes (32 hex)")
            if "." in kid:
                raise ImproperlyConfigured("Key ids may not contain '.'")
        self.provider = provider
        self.current_kid = keys[0][0]
        self.keys = dict(keys)
        self.hash_key = hash_key
        # Keyed once; each blind index copies the keyed state (about half the cost of
        # keying a new HMAC for every value, which matters on 100,000-row rosters).
        self._hmac_base = hmac.HMAC(hash_key, hashes.SM3())

    def encrypt(self, plaintext: str, *, context: str) -> str:
        blob = self.provider.encrypt(
            plaintext.encode(), key=self.keys[self.current_kid], aad=context.encode()
        )
        return f"v1.{self.current_kid}.{base64.b64encode(blob).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, kid, payload = token.split(".", 2)
        except ValueError:
            raise DecryptionError("not an encrypted value") from None
        if version != "v1" or kid not in self.keys:
            raise DecryptionError(f"unknown key id or version: {version}.{kid}")
        blob = base64.b64decode(payload)
        return self.provider.decrypt(blob, key=self.keys[kid], aad=context.encode()).decode()

    def blind_index(self, value: str, *, context: str) -> str:
        mac = self._hmac_base.copy()
        mac.update(context.encode() + b"\x00" + value.encode())
        return mac.finalize().hex()

    def same_index(self, a: str, b: str) -> bool:
        return std_hmac.compare_digest(a, b)


def _parse_keys(pairs: list[str]) -> list[tuple[str, bytes]]:
    keys = []
    for pair in pairs:
        kid, _, hexkey = pair.partition(":")
        try:
            keys.append((kid.strip(), bytes.fromhex(hexkey.strip())))
        except ValueError:
            raise ImproperlyConfigured(f"Field encryption key {kid} is not hex") from None
    return keys


@functools.cache
def get_cipher() -> FieldCipher:
    provider = import_string(settings.FIELD_CIPHER_PROVIDER)()
    return FieldCipher(
        provider,
        _parse_keys(settings.FIELD_ENCRYPTION_KEYS),
        bytes.fromhex(settings.FIELD_HASH_KEY),
    )
