"""Sealed files: what leaves the PC (sync packages, invitations, backups) encrypted and
authenticated with AES-256-GCM from `cryptography`, and keys wrapped under a code a person types.

A sealed file is

    MAGIC | header length (4 bytes) | header (JSON) | chunk | chunk | ...

Each chunk is `length (4 bytes) | AES-GCM ciphertext` of at most CHUNK bytes of content.
The chunk key is derived (HKDF) from the community key and a random salt in the header, the
nonce is the chunk's number, and the associated data is the SHA-256 of the whole header plus a
last-chunk flag: changing one byte of the header, reordering, dropping or adding a chunk, or
cutting the file short makes it fail. The header is readable (format, kind, community code,
sender, sequence range …) but holds no personal data; everything else is ciphertext.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from app.errors import UserError
from db.backup import refuse_special_file

MAGIC = b"COMMUNITY-LEDGER-SEALED\n"
FORMAT_VERSION = 1
CHUNK = 1 << 20  # 1 MiB of content a chunk: memory stays bounded whatever the file's size
MAX_HEADER = 64 * 1024
KEY_BYTES = 32
# scrypt for a code a person types (invitation code, recovery code): 128 MiB and about 0.4 s
# on a 2-core PC per try; see README (“邀请码与恢复码的强度”) for what a GPU pays.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class SealError(UserError):
    """A sealed file that cannot be opened: wrong key or code, altered, cut short, not ours."""


@dataclass(frozen=True)
class Sealed:
    """The readable part of a sealed file, and where its ciphertext starts."""

    path: Path
    header: dict[str, Any]
    header_bytes: bytes
    body_offset: int


# -- codes a person types --------------------------------------------------------------------


def new_code(length: int) -> str:
    """A random code of `length` characters, shown in groups of four (`7KQ2-M9XD-…`)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i:i + 4] for i in range(0, length, 4))


def normalize_code(text: str) -> str:
    """What was typed, as the code: case, spaces, dashes and O/I/L typos do not matter."""
    cleaned = "".join(ch for ch in str(text or "").upper() if not ch.isspace() and ch not in "-_—－")
    return cleaned.translate(_TYPOS)


def kdf_params() -> dict[str, Any]:
    return {"salt": b64_encode(secrets.token_bytes(16)), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}


def derive_from_code(code: str, params: dict[str, Any]) -> bytes:
    """The key a typed code stands for (scrypt with the file's salt and our fixed cost).

    Only our own cost is accepted: a header asking for a huge cost would otherwise make the
    program use gigabytes of memory.
    """
    try:
        salt = b64_decode(params["salt"])
        ok = (params["n"], params["r"], params["p"]) == (SCRYPT_N, SCRYPT_R, SCRYPT_P) and len(salt) == 16
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise SealError("文件的加密参数无法识别，可能已被改动。")
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=KEY_BYTES, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(
        normalize_code(code).encode("ascii", "replace"))


def wrap(key: bytes, secret: bytes, aad: bytes) -> str:
    """`secret` encrypted under `key` (one AES-GCM message), as text for a header or meta."""
    nonce = secrets.token_bytes(12)
    return b64_encode(nonce + _aesgcm(key).encrypt(nonce, secret, aad))


def unwrap(key: bytes, wrapped: str, aad: bytes) -> bytes | None:
    """The secret, or None when the key (the code typed) is not the one it was wrapped under."""
    from cryptography.exceptions import InvalidTag

    try:
        raw = b64_decode(wrapped)
        return _aesgcm(key).decrypt(raw[:12], raw[12:], aad)
    except (InvalidTag, ValueError, TypeError):
        return None


def key_id(key: bytes) -> str:
    """A short public name of a key: says which community's key sealed a file, reveals nothing."""
    return _hkdf(key, b"", b"community-ledger key id", 8).hex()


# -- writing -----------------------------------------------------------------------------------


def seal(source: IO[bytes], dest: Path, key: bytes, header: dict[str, Any],
         finished: Callable[[], None] | None = None) -> None:
    """Encrypt everything read from `source` into `dest` (written beside it, then renamed);
    `finished` runs on the complete file just before it takes its name."""
    refuse_special_file(dest)
    header = {**header, "sealed_format": FORMAT_VERSION, "key_id": key_id(key), "salt": b64_encode(secrets.token_bytes(16))}
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    chunk_key = _aesgcm(_hkdf(key, b64_decode(header["salt"]), b"community-ledger chunks", KEY_BYTES))
    digest = hashlib.sha256(header_bytes).digest()
    part = dest.with_name(dest.name + ".part")
    try:
        with open(part, "wb") as out:
            out.write(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
            number, block = 0, source.read(CHUNK)
            while True:
                following = source.read(CHUNK) if block else b""
                last = not following
                sealed = chunk_key.encrypt(_nonce(number), block, digest + (b"\x01" if last else b"\x00"))
                out.write(struct.pack(">I", len(sealed)) + sealed)
                if last:
                    break
                number, block = number + 1, following
            out.flush()
            os.fsync(out.fileno())
        if finished is not None:
            finished()
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


# -- reading -----------------------------------------------------------------------------------

NOT_SEALED = "这个文件不是社区台账加密的文件（同步包、邀请包或备份），请检查所选文件。"
DAMAGED = "文件已损坏或被改动过，未做任何改动。请重新制作后再试。"


def is_sealed(path: str | Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def open_sealed(path: str | Path) -> Sealed:
    """Read the header of a sealed file (not yet trusted: it is checked by every chunk)."""
    path = Path(path)
    if not path.is_file():
        raise SealError(f"找不到文件：{path.name}")
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                raise SealError(NOT_SEALED)
            size = f.read(4)
            if len(size) < 4 or not 0 < struct.unpack(">I", size)[0] <= MAX_HEADER:
                raise SealError(DAMAGED)
            header_bytes = f.read(struct.unpack(">I", size)[0])
    except OSError as exc:
        raise SealError(f"无法读取文件（{exc.strerror or '文件错误'}）。") from None
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SealError(DAMAGED) from None
    if not isinstance(header, dict) or not isinstance(header.get("kind"), str):
        raise SealError(DAMAGED)
    if not isinstance(header.get("sealed_format"), int) or header["sealed_format"] > FORMAT_VERSION:
        raise SealError("文件由更新版本的社区台账制作，请先升级本程序。")
    return Sealed(path, header, header_bytes, len(MAGIC) + 4 + len(header_bytes))


def chunks(sealed: Sealed, key: bytes) -> Iterator[bytes]:
    """The content, chunk by chunk, each checked before it is given out.

    Raises SealError when a chunk fails, the file ends before its last chunk or goes on
    after it. A caller must not act on the content before the iterator is exhausted.
    """
    from cryptography.exceptions import InvalidTag

    if sealed.header.get("key_id") != key_id(key):
        raise SealError("文件不是用本社区的密钥加密的（可能来自另一个社区，或被改动过），未做任何改动。")
    try:
        chunk_key = _aesgcm(_hkdf(key, b64_decode(sealed.header["salt"]), b"community-ledger chunks", KEY_BYTES))
    except (KeyError, TypeError, ValueError):
        raise SealError(DAMAGED) from None
    digest = hashlib.sha256(sealed.header_bytes).digest()
    with open(sealed.path, "rb") as f:
        f.seek(sealed.body_offset)
        number = 0
        while True:
            size = f.read(4)
            if len(size) < 4:
                raise SealError(DAMAGED)  # cut short: the last chunk never came
            length = struct.unpack(">I", size)[0]
            if length < 16 or length > CHUNK + 16:
                raise SealError(DAMAGED)
            data = f.read(length)
            if len(data) < length:
                raise SealError(DAMAGED)
            for flag in (b"\x00", b"\x01"):
                try:
                    plain = chunk_key.decrypt(_nonce(number), data, digest + flag)
                except InvalidTag:
                    continue
                break
            else:
                raise SealError(DAMAGED)
            yield plain
            if flag == b"\x01":
                if f.read(1):
                    raise SealError(DAMAGED)  # something added after the last chunk
                return
            number += 1


def unseal_into(sealed: Sealed, key: bytes, out: IO[bytes]) -> None:
    """Write the checked content into `out` (a scratch file the caller throws away on failure)."""
    for block in chunks(sealed, key):
        out.write(block)
    out.flush()


# -- small helpers -----------------------------------------------------------------------------


def _nonce(number: int) -> bytes:
    return b"\x00\x00\x00\x00" + struct.pack(">Q", number)


# cryptography is imported where it is used: the window opens without loading it (startup_ratio).
def _aesgcm(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _hkdf(key: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(key)


def b64_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64_decode(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    return base64.b64decode(text.encode("ascii"), validate=True)
