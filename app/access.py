"""Who is at the keyboard of an open ledger: the signed-in user and role.

Storage knows nothing of signing in: the Store only writes `store.author` into the audit.
This leaf module keeps who signed in on each open ledger and answers the role checks, so
accounts, settings, privacy, backups and the rest ask one place (and import no one else).
Until an administrator sets a password, whoever runs the program may do everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from app.errors import PermissionDenied
from db.store import Store

ADMIN, STAFF = "admin", "staff"


@dataclass(frozen=True)
class SignedIn:
    user: str = ""
    role: str = ADMIN


NOBODY = SignedIn()  # accounts off: no name, every right
_signed_in: WeakKeyDictionary[Store, SignedIn] = WeakKeyDictionary()


def current(store: Store) -> SignedIn:
    """Who is signed in on this open ledger (NOBODY until someone signs in)."""
    return _signed_in.get(store, NOBODY)


def sign_in(store: Store, user: str, role: str) -> None:
    """From now on this ledger's writes are `user`'s, with `role`'s rights."""
    _signed_in[store] = SignedIn(user, role)
    store.author = user


def set_role(store: Store, role: str) -> None:
    """The signed-in user's role was changed by an administrator."""
    sign_in(store, current(store).user, role)


def is_admin(store: Store) -> bool:
    """The signed-in user (or anyone, while accounts are off) is a 管理员. Reads no database."""
    return current(store).role == ADMIN


def require_admin(store: Store, what: str) -> None:
    """Refuse a 工作人员: `what` completes “只有管理员可以…”, e.g. "修改设置"."""
    if not is_admin(store):
        raise PermissionDenied(f"只有管理员可以{what}，请用管理员账号登录。")


@contextmanager
def acting_as(store: Store, name: str) -> Iterator[None]:
    """Audit rows written inside are in `name`'s name (a sign-in try), whoever is signed in."""
    before = store.author
    store.author = name
    try:
        yield
    finally:
        store.author = before
