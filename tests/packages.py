"""Test helpers that open and re-make sealed packages the way someone holding a key would."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from app import sealing

# Entries seal() adds itself: a re-sealed file gets fresh ones.
_SEAL_ENTRIES = ("sealed_format", "key_id", "salt")


def unsealed(path: Path, key: bytes) -> tuple[dict, bytes]:
    """The header and the plain zip inside a sealed package."""
    sealed = sealing.open_sealed(path)
    out = io.BytesIO()
    sealing.unseal_into(sealed, key, out)
    return dict(sealed.header), out.getvalue()


def reseal(header: dict, content: bytes, key: bytes, dest: Path) -> Path:
    """Seal `content` under `key` with `header` (as a key holder, or with another community's key)."""
    sealing.seal(io.BytesIO(content), dest, key, {k: v for k, v in header.items() if k not in _SEAL_ENTRIES})
    return dest


def rezip(content: bytes, *, records=None, manifest=None, resign: bool = False) -> bytes:
    """The package's zip with records.jsonl and/or manifest.json changed."""
    from app import sync

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("records.jsonl")
        head = json.loads(archive.read("manifest.json"))
    body = records(body) if records else body
    head = manifest(head) if manifest else head
    if resign:
        head["manifest_sha256"] = sync._manifest_digest(head)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("records.jsonl", body)
        archive.writestr("manifest.json", json.dumps(head, ensure_ascii=False))
    return out.getvalue()
