"""User accounts on this computer: 管理员 and 工作人员, sign-in with throttling, and role checks.

Accounts are off until an administrator sets a password (create_admin); until then
whoever runs the program may do everything. Who is signed in lives in app/access.py;
every admin-only service calls its require_admin, so the window and the command line obey
the same rule. Passwords are kept only as a salted scrypt hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone

from app import access
from app.access import require_admin
from app.errors import LoginRefused, UserError, ValidationError
from db import accounts as queries
from db.store import Row, Store

ROLES = {"admin": "管理员", "staff": "工作人员"}
MIN_PASSWORD = 6
MAX_PASSWORD = 128
# scrypt cost: about 0.1 s a check on an old office PC, 16 MB of memory.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
# Three wrong passwords in a row, then a wait that doubles with every further one.
FREE_TRIES = 3
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 15 * 60

WRONG = "用户名或密码不对，请重新输入。"
_USERNAME = re.compile(r"[\w.\-]{2,20}")


# -- hashing -------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n$r$p$salt$hash` (base64): parameters, salt and hash in one string."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash (compared in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        # The stored parameters are used, so raising the cost later keeps old hashes valid.
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), maxmem=128 * int(r) * int(n) * 2 + 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash of nothing in particular: an unknown user name costs as much time as a wrong password.
_DUMMY_HASH = ""


def _dummy_check(password: str) -> None:
    global _DUMMY_HASH
    if not _DUMMY_HASH:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    check_password(password, _DUMMY_HASH)


# -- validation ----------------------------------------------------------------------


def clean_username(text: str) -> str:
    name = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not name:
        raise ValidationError("请填写用户名", "username")
    if not _USERNAME.fullmatch(name):
        raise ValidationError("用户名应为 2–20 个汉字、字母或数字（可含下划线、点、短横），不含空格", "username")
    return name


def clean_password(password: str) -> str:
    password = str(password or "")
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"密码至少 {MIN_PASSWORD} 个字符，请换一个更长的密码", "password")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"密码最多 {MAX_PASSWORD} 个字符", "password")
    if not password.strip():
        raise ValidationError("密码不能全是空格", "password")
    return password


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("角色只能是管理员或工作人员", "role")
    return role


# -- who may do what -----------------------------------------------------------------


def enabled(store: Store) -> bool:
    """Accounts are on once an administrator has set a password."""
    return queries.count_live(store) > 0


def role_label(role: str) -> str:
    return ROLES.get(role, role)


# -- managing accounts ---------------------------------------------------------------


def list_accounts(store: Store) -> list[Row]:
    """Live accounts (without their hashes), administrators first."""
    require_admin(store, "管理账号")
    return queries.live(store)


def _require_account(store: Store, username: str) -> Row:
    account = queries.by_username(store, str(username or "").strip())
    if account is None:
        raise UserError(f"没有名为“{username}”的账号，请核对用户名。")
    return account


def _log_account(store: Store, account: Row, change: str, **detail: str) -> None:
    # Names and roles only: a hash or a password never goes into the audit.
    store.log_event("account", "accounts", account["id"],
                    {"change": change, "username": account["username"], **detail})


def _add(store: Store, username: str, password: str, role: str) -> Row:
    name = clean_username(username)
    password = clean_password(password)
    role = _role(role)
    if queries.by_username(store, name) is not None:
        raise ValidationError(f"已有名为“{name}”的账号，请换一个用户名", "username")
    account = queries.insert(store, name, role, hash_password(password), store.now())
    _log_account(store, account, "新增账号", role=role_label(role))
    return {k: v for k, v in account.items() if k != "password_hash"}


def create_admin(store: Store, username: str, password: str) -> Row:
    """Set the first administrator's password: this turns accounts on and signs them in."""
    with store.transaction():
        if enabled(store):
            raise UserError("已经设置了管理员账号：请用管理员账号登录后在“设置 → 账号与权限”中管理账号。")
        account = _add(store, username, password, "admin")
    access.sign_in(store, account["username"], access.ADMIN)
    return account


def add_account(store: Store, username: str, password: str, role: str = "staff") -> Row:
    """A new 工作人员 or 管理员 account (管理员 only)."""
    require_admin(store, "管理账号")
    with store.transaction():
        if not enabled(store):
            raise UserError("请先设置管理员密码（设置 → 账号与权限 → 设置管理员密码），再添加其他账号。")
        return _add(store, username, password, role)


def change_password(store: Store, username: str, new_password: str, *, current_password: str | None = None,
                    now: datetime | None = None) -> None:
    """Change a password: one's own with the current password, anyone's as 管理员."""
    account = _require_account(store, username)
    own = account["username"] == access.current(store).user
    if not own:
        require_admin(store, "修改别人的密码")
    new_password = clean_password(new_password)
    if own:
        # Counted like a sign-in, so the current password cannot be guessed here either.
        _attempt(store, account, current_password or "", now or store.clock.now(), success=None,
                 wrong="当前密码不对，请重新输入。")
    with store.transaction():
        queries.update(store, account["id"], store.now(), password_hash=hash_password(new_password),
                       failed_attempts=0, retry_after=None)
        _log_account(store, account, "修改密码")


def _last_admin(store: Store, account: Row) -> bool:
    return account["role"] == "admin" and queries.count_admins(store) <= 1


def set_role(store: Store, username: str, role: str) -> Row:
    """Make an account 管理员 or 工作人员; the last 管理员 stays one."""
    require_admin(store, "管理账号")
    role = _role(role)
    with store.transaction():
        account = _require_account(store, username)
        if account["role"] == role:
            return {k: v for k, v in account.items() if k != "password_hash"}
        if _last_admin(store, account):
            raise UserError("这是最后一个管理员账号，不能改为工作人员：请先把另一个账号设为管理员。")
        queries.update(store, account["id"], store.now(), role=role)
        _log_account(store, account, "修改角色", role=role_label(role))
    if account["username"] == access.current(store).user:
        access.set_role(store, role)
    return {**{k: v for k, v in account.items() if k != "password_hash"}, "role": role}


def remove_account(store: Store, username: str) -> None:
    """Remove an account (kept as deleted, so the audit's names stay explained)."""
    require_admin(store, "管理账号")
    with store.transaction():
        account = _require_account(store, username)
        if _last_admin(store, account):
            raise UserError("这是最后一个管理员账号，不能删除：请先把另一个账号设为管理员。")
        if account["username"] == access.current(store).user:
            raise UserError("不能删除正在使用的账号：请用另一个管理员账号登录后再删除。")
        queries.update(store, account["id"], store.now(), deleted_at=store.now())
        _log_account(store, account, "删除账号")


# -- signing in ----------------------------------------------------------------------


def wait_seconds(failures: int) -> int:
    """How long the next try must wait after this many wrong passwords in a row."""
    if failures < FREE_TRIES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_SECONDS)


def _utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"


def _throttled(seconds: int) -> LoginRefused:
    return LoginRefused(f"密码错误次数过多，请 {_wait_text(seconds)}后再试。", wait_seconds=seconds)


def _attempt(store: Store, account: Row, password: str, now: datetime, *, success: str | None,
             wrong: str = WRONG) -> None:
    """Check a password against an account with throttling; the counts live in the account row,
    so restarting the program does not reset them. Raises LoginRefused when refused."""
    now = _utc(now)
    waiting = account["retry_after"] and datetime.fromisoformat(account["retry_after"]) > now
    if waiting:
        # While waiting the password is not even checked: guessing gains nothing.
        left = datetime.fromisoformat(account["retry_after"]) - now
        raise _throttled(max(1, int(left.total_seconds() + 0.999)))
    if check_password(password, account["password_hash"]):
        with store.transaction():
            if account["failed_attempts"] or account["retry_after"]:
                queries.update(store, account["id"], store.now(), failed_attempts=0, retry_after=None)
            if success:
                with access.acting_as(store, account["username"]):
                    store.log_event(success, "accounts", account["id"], {"role": role_label(account["role"])})
        return
    failures = (account["failed_attempts"] or 0) + 1
    wait = wait_seconds(failures)
    retry_after = (now + timedelta(seconds=wait)).isoformat() if wait else None
    with store.transaction():
        queries.update(store, account["id"], store.now(), failed_attempts=failures, retry_after=retry_after)
        with access.acting_as(store, account["username"]):
            # The count only: the password tried never goes into the audit.
            store.log_event("login_failed", "accounts", account["id"], {"failed_attempts": failures})
    if wait:
        raise LoginRefused(f"{wrong.rstrip('。')}。错误次数过多，请 {_wait_text(wait)}后再试。", wait_seconds=wait)
    raise LoginRefused(wrong)


def login(store: Store, username: str, password: str, now: datetime | None = None) -> Row:
    """Sign in (app/access.py then knows who and with which role) and write 'login' (or 'login_failed') to the audit.

    `now` is the time of the try (the store's clock when not given); raises LoginRefused
    with a Chinese message, and `wait_seconds` when further tries must wait.
    """
    name = unicodedata.normalize("NFKC", str(username or "")).strip()
    if not name:
        raise LoginRefused("请填写用户名。")
    account = queries.by_username(store, name)
    if account is None:
        _dummy_check(password or "")
        # No name in the audit: people sometimes type their password into the user-name box.
        with access.acting_as(store, ""):
            store.log_event("login_failed", "accounts", "", {"reason": "没有这个用户名"})
        raise LoginRefused(WRONG)
    _attempt(store, account, password or "", now or store.clock.now(), success="login")
    access.sign_in(store, account["username"], account["role"])
    return {k: v for k, v in account.items() if k != "password_hash"}


def verify_password(store: Store, password: str, now: datetime | None = None) -> bool:
    """Whether the password is the signed-in user's (throttled like a sign-in; a wait raises
    LoginRefused). Writes nothing to the audit on success."""
    account = _require_account(store, access.current(store).user)
    try:
        _attempt(store, account, password or "", now or store.clock.now(), success=None)
    except LoginRefused as refused:
        if refused.wait_seconds:
            raise
        return False
    return True


def unlock(store: Store, password: str, now: datetime | None = None) -> None:
    """Unlock the idle-locked window with the signed-in user's password; writes 'unlock'."""
    account = queries.by_username(store, access.current(store).user)
    if account is None:
        raise LoginRefused("该账号已被删除，请关闭程序后用其他账号登录。")
    _attempt(store, account, password or "", now or store.clock.now(), success="unlock")


def lock(store: Store) -> None:
    """The window locked itself after the idle time."""
    store.log_event("lock")


def logout(store: Store) -> None:
    """Write 'logout' when a signed-in user closes the program."""
    if access.current(store).user and enabled(store):
        store.log_event("logout")


def idle_lock_state(store: Store) -> tuple[bool, int]:
    """(accounts on, idle minutes before the window locks) for the idle watcher."""
    from app.settings import load

    return enabled(store), load(store).idle_lock_minutes
