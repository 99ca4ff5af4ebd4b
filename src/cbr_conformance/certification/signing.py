"""Signing a certification's report with a key its vendor holds, and checking the signature.

A digest shows that a report was not changed by accident; anyone can recompute it. A signature
(Ed25519, through the `cryptography` package: `pip install 'cbr-conformance[sign]'`) shows that
the holder of the private key wrote it: it covers what the digest covers, and a verifier checks
it with the vendor's public key, given apart from the report (the key the report names is only
a hint of which one signed it).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cbr_conformance.certification.certificate import canonical, signed_content

ALGORITHM = "ed25519"


class BadKey(ValueError):
    """The key cannot be used: the message says why, in one line."""


def _pem(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadKey(f"cannot read the key {path}: {exc.strerror}") from None


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise BadKey("signing needs the cryptography package: pip install 'cbr-conformance[sign]'") from None
    return serialization


def fingerprint(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def sign(report: Mapping[str, Any], private_key: Path) -> dict[str, str]:
    """The report's signature block, by the Ed25519 private key in PEM (PKCS#8, unencrypted)."""
    serialization = _crypto()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(_pem(private_key), password=None)
    except (ValueError, TypeError) as exc:
        raise BadKey(f"{private_key} is not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BadKey(f"{private_key} is not an Ed25519 key")
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "algorithm": ALGORITHM,
        "key_fingerprint": fingerprint(public),
        "value": base64.b64encode(key.sign(canonical(signed_content(report)))).decode("ascii"),
    }


def check_signature(report: Mapping[str, Any], public_key: Path) -> tuple[bool, str]:
    """Whether the report carries a valid signature by the Ed25519 public key in PEM, and why."""
    serialization = _crypto()
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(_pem(public_key))
    except ValueError as exc:
        raise BadKey(f"{public_key} is not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise BadKey(f"{public_key} is not an Ed25519 key")
    block = report.get("signature")
    if not isinstance(block, Mapping) or block.get("algorithm") != ALGORITHM:
        return False, "the report is not signed (with Ed25519)"
    try:
        key.verify(
            base64.b64decode(str(block.get("value")), validate=True), canonical(signed_content(report))
        )
    except (InvalidSignature, ValueError):
        public = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return False, f"not signed by key {fingerprint(public)}, or changed after it was signed"
    return True, f"signed by key {block.get('key_fingerprint')}"
