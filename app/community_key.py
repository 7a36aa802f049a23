"""The community key: one random AES-256 key shared by the community's PCs, and the 恢复码.

The key seals every sync package and every backup a person takes away (app/sealing.py). It
is made on the PC the community was set up on, the first time something is sealed (or the
恢复码 sheet is shown), and reaches another PC only inside an invitation opened with a
one-time code. It lives in this PC's `meta` table: never in a package in the clear, never in
the audit or a log. The 恢复码 (shown once to the administrator, who keeps it in the safe)
unwraps a copy of the key carried in every sealed backup, for a new PC whose old one died.

Symmetric only: the street summaries' signing keys (Ed25519) are separate and elsewhere.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from app import sealing
from app.access import require_admin
from app.sealing import SealError
from db import meta
from db import sync as sync_queries
from db.store import Store

# meta rows: the key (base64), the key wrapped under the 恢复码 (JSON), and the 恢复码 itself
# (so an administrator can print the 恢复码 sheet again).
KEY, RECOVERY, RECOVERY_CODE = "community_key", "community_key_recovery", "recovery_code"

RECOVERY_CODE_LENGTH = 16  # 80 bits: the sheet is kept for years, and every backup carries its wrap
_RECOVERY_AAD = b"community-ledger recovery"


class WrongRecoveryCode(SealError):
    """The 恢复码 typed does not open the backup (or none was typed): the person may try again."""


@dataclass(frozen=True)
class RecoverySheet:
    community_name: str
    community_code: str
    code: str
    key_id: str


def key_of(store: Store) -> bytes | None:
    """This PC's community key, or None when it has none yet."""
    text = meta.get(store, KEY)
    return base64.b64decode(text) if text else None


def has_key(store: Store) -> bool:
    return meta.get(store, KEY) is not None


def ensure_key(store: Store) -> bytes:
    """The community key, made now on the PC the community was set up on if it has none."""
    key = key_of(store)
    if key is not None:
        return key
    if sync_queries.serial_prefix(store):
        # A PC that joined by an old, unsealed package: the key must come from the office.
        raise SealError("本机还没有社区密钥：请在办公室电脑上制作邀请包（数据同步 → 邀请新电脑），"
                        "用邀请码导入一次即可。")
    key = secrets.token_bytes(sealing.KEY_BYTES)
    code = sealing.new_code(RECOVERY_CODE_LENGTH)
    with store.transaction():
        install(store, key, _wrap_for_recovery(key, code), recovery_code=code)
    return key


def install(store: Store, key: bytes, recovery_wrap: str, *, recovery_code: str | None = None) -> None:
    """Keep the key (and its copy under the 恢复码) on this PC: on set-up, or when joining."""
    with store.transaction():
        meta.put(store, KEY, base64.b64encode(key).decode("ascii"))
        meta.put(store, RECOVERY, recovery_wrap)
        if recovery_code:
            meta.put(store, RECOVERY_CODE, recovery_code)


def recovery_wrap(store: Store) -> str:
    """The key wrapped under the 恢复码 (JSON text), carried by every sealed backup."""
    ensure_key(store)
    return meta.get(store, RECOVERY) or ""


def recovery_sheet(store: Store) -> RecoverySheet:
    """What the 恢复码 sheet shows (管理员 only; on the PC the community was set up on)."""
    require_admin(store, "查看恢复码")
    key = ensure_key(store)
    code = meta.get(store, RECOVERY_CODE)
    if not code:
        raise SealError("本机是加入社区的电脑，没有保存恢复码：请在社区建立时的那台电脑上打印恢复码单。")
    store.log_event("reveal", detail={"fields": ["恢复码"]})
    return RecoverySheet((store.setting("community_name") or "").strip(),
                         (store.setting("community_code") or "").strip(), code, sealing.key_id(key))


def print_recovery_sheet(store: Store, path: str | Path, sheet: RecoverySheet | None = None) -> Path:
    """Write the one-page 恢复码 sheet (管理员 only) as a PDF for the office's safe; `sheet`: the
    one just shown (its reveal is already in the log)."""
    from app.documents import write_safely
    from exports.recovery_sheet import recovery_sheet_pdf

    sheet = sheet or recovery_sheet(store)
    path = Path(path)
    write_safely(lambda: recovery_sheet_pdf(path, community_name=sheet.community_name,
                                            community_code=sheet.community_code, code=sheet.code,
                                            printed_on=_chinese_date(store.clock.today())), path)
    return path


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _wrap_for_recovery(key: bytes, code: str) -> str:
    params = sealing.kdf_params()
    kek = sealing.derive_from_code(code, params)
    return json.dumps({**params, "wrapped": sealing.wrap(kek, key, _RECOVERY_AAD)}, sort_keys=True)


def key_from_recovery(wrapped: str, code: str) -> bytes:
    """The community key from a sealed backup's copy and the 恢复码 typed; refuses a wrong code."""
    try:
        params = json.loads(wrapped)
        inner = params["wrapped"]
    except (ValueError, TypeError, KeyError):
        raise SealError(sealing.DAMAGED) from None
    if not sealing.normalize_code(code):
        raise WrongRecoveryCode("请输入恢复码（见建立社区时打印的恢复码单）。")
    key = sealing.unwrap(sealing.derive_from_code(code, params), inner, _RECOVERY_AAD)
    if key is None:
        raise WrongRecoveryCode("恢复码不对，请核对恢复码单后重新输入（字母不分大小写，短横线可省略）。")
    return key
