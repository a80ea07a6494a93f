"""The RSA key that signs service-account tokens, created once and kept in the state dir.

Keeping it on disk is what lets tokens issued before a restart stay valid after it, as on a real
cluster whose --service-account-signing-key-file outlives the apiserver process.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localkube.auth.constants import SIGNING_KEY_FILE

logger = logging.getLogger(__name__)

KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    key_id: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK, for /openid/v1/jwks."""
        numbers = self.public_key.public_numbers()
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.key_id,
            "alg": "RS256",
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }


def key_id_for(public_key: rsa.RSAPublicKey) -> str:
    """kube's kid: base64url(sha256(PKIX DER of the public key)), so tools that check it agree."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def load_or_create_signing_key(state_dir: Path) -> SigningKey:
    """Read the key from ``state_dir``, generating it on first start (race-free across processes)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / SIGNING_KEY_FILE
    if not path.exists():
        _create_key_file(path)
    # The key is one this process or an earlier localkube generated into its owner-only state dir, so
    # OpenSSL's consistency check of it (~50 ms of CPU on every start, and every Authenticator a test
    # builds) is skipped: it guards against malformed keys from elsewhere, which this file never holds.
    private_key = serialization.load_pem_private_key(
        path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return SigningKey(private_key=private_key, key_id=key_id_for(private_key.public_key()))


def _create_key_file(path: Path) -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Write a private temp file, then hard-link it into place: link fails if another process won
    # the race, and then everyone uses the winner's key instead of silently overwriting it.
    fd, temp_name = tempfile.mkstemp(prefix=".signing-key-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_name, path)
            logger.info("generated service-account signing key %s", path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temp_name)


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
