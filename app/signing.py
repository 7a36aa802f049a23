"""The community's signing key (Ed25519): it signs the monthly summary sent to the 街道.

The private key lives in the database's meta table, which is local to this file: sync
packages carry only record tables (db/sync.py), and no export writes meta. The 街道 trusts
the public key the first time a community reports, after comparing its fingerprint by phone.
"""

from __future__ import annotations

import base64
import hashlib

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads only when a key is made or used, not at every start
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from db import meta
from db.store import Store

META_KEY = "street_signing_key"  # base64 of the 32 raw private bytes; never leaves this PC
# Signatures cover this prefix too, so a signature made for something else never passes here.
CONTEXT = b"community-ledger street summary v1\n"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


def make_key_if_missing(store: Store) -> None:
    """Make the community's key pair when it has none (opening a ledger); cheap when it has one."""
    if _stored(store) is None:
        ensure_key(store)


def ensure_key(store: Store) -> Ed25519PrivateKey:
    """The community's key pair; made now when the community has none yet."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stored = _stored(store)
    if stored is None:
        raw = Ed25519PrivateKey.generate().private_bytes_raw()
        with store.transaction():
            # OR IGNORE, then read back: two programs making a key at once agree on one.
            meta.put_new(store, META_KEY, base64.b64encode(raw).decode("ascii"))
        stored = _stored(store)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))


def _stored(store: Store) -> str | None:
    return meta.get(store, META_KEY)


def has_key(store: Store) -> bool:
    return _stored(store) is not None


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    return key.sign(CONTEXT + message)


def verify(public: bytes, signature: bytes, message: bytes) -> bool:
    """True when `signature` is the holder of `public`'s signature of exactly `message`."""
    if len(public) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, CONTEXT + message)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public: bytes) -> str:
    """What two people read to each other by phone: 32 hex digits in eight groups of four."""
    digest = hashlib.sha256(public).hexdigest()[:32].upper()
    return "-".join(digest[i:i + 4] for i in range(0, 32, 4))


def community_fingerprint(store: Store) -> str:
    """This community's key fingerprint (shown in 设置 and after `street export`)."""
    return fingerprint(public_bytes(ensure_key(store)))
