"""Accounts: hashing, sign-in with throttling, the last administrator, role checks (app and
command line), masked lists for 工作人员 and the audited reveal."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from app import access, accounts, documents, ledgers, logs, month_export, people, privacy, settings, stamps, volunteers
from app.cli import PASSWORD_ENV, main
from app.errors import LoginRefused, PermissionDenied, UserError, ValidationError
from app.database import open_ledger
from db.clock import FixedClock
from tests.factories import activity, make_id, person, volunteer

TODAY = date(2026, 11, 23)
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ADMIN_PW = "admin-secret-1"
STAFF_PW = "staff-secret-2"


def audit(store, action: str) -> list[dict]:
    return store.query("SELECT * FROM audit WHERE action = ? ORDER BY rowid", [action])


@pytest.fixture
def with_accounts(store):
    """Accounts on: 管理员 `admin` (signed in) and 工作人员 `小王`."""
    accounts.create_admin(store, "admin", ADMIN_PW)
    accounts.add_account(store, "小王", STAFF_PW)
    return store


def as_staff(store) -> None:
    accounts.login(store, "小王", STAFF_PW, T0)


# -- hashing -----------------------------------------------------------------------------


def test_hash_is_salted_scrypt_and_refuses_a_wrong_password():
    first, second = accounts.hash_password("同一个密码123"), accounts.hash_password("同一个密码123")
    assert first != second  # a salt of its own each time
    assert first.startswith("scrypt$16384$8$1$")
    assert "同一个密码123" not in first
    assert accounts.check_password("同一个密码123", first)
    assert accounts.check_password("同一个密码123", second)
    assert not accounts.check_password("同一个密码124", first)
    assert not accounts.check_password("同一个密码123", "not a hash")


def test_two_accounts_with_the_same_password_store_different_hashes(with_accounts):
    accounts.add_account(with_accounts, "小李", STAFF_PW)
    hashes = [r["password_hash"] for r in with_accounts.query(
        "SELECT password_hash FROM accounts WHERE username IN ('小王', '小李')")]
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert all(STAFF_PW not in h for h in hashes)


def test_the_hash_never_reaches_the_audit_or_sync(with_accounts):
    rows = with_accounts.query("SELECT * FROM audit WHERE table_name = 'accounts'")
    assert {r["action"] for r in rows} == {"account"}
    text = json.dumps(rows, ensure_ascii=False)
    assert "scrypt$" not in text and ADMIN_PW not in text and STAFF_PW not in text
    assert with_accounts.scalar("SELECT count(*) FROM sync_records WHERE table_name = 'accounts'") == 0


# -- turning accounts on and managing them ----------------------------------------------


def test_accounts_are_off_until_an_administrator_sets_a_password(store):
    assert not accounts.enabled(store)
    assert access.is_admin(store)  # whoever runs the program may do everything
    with pytest.raises(UserError, match="请先设置管理员密码"):
        accounts.add_account(store, "小王", STAFF_PW)
    accounts.create_admin(store, "admin", ADMIN_PW)
    assert accounts.enabled(store)
    assert access.current(store) == access.SignedIn("admin", "admin")
    with pytest.raises(UserError, match="已经设置了管理员账号"):
        accounts.create_admin(store, "another", ADMIN_PW)


@pytest.mark.parametrize("username, password, message", [
    ("admin", "12345", "至少 6 个字符"),
    ("a", ADMIN_PW, "2–20 个"),
    ("有 空格", ADMIN_PW, "不含空格"),
    ("", ADMIN_PW, "请填写用户名"),
])
def test_usernames_and_passwords_are_checked_with_chinese_messages(store, username, password, message):
    with pytest.raises(ValidationError, match=message):
        accounts.create_admin(store, username, password)
    assert not accounts.enabled(store)


def test_a_username_is_taken_once(with_accounts):
    with pytest.raises(ValidationError, match="已有名为“小王”的账号"):
        accounts.add_account(with_accounts, "小王", "whatever1")


def test_the_last_administrator_cannot_be_removed_or_demoted(with_accounts):
    with pytest.raises(UserError, match="最后一个管理员"):
        accounts.set_role(with_accounts, "admin", "staff")
    accounts.add_account(with_accounts, "书记", ADMIN_PW, role="admin")
    with pytest.raises(UserError, match="不能删除正在使用的账号"):
        accounts.remove_account(with_accounts, "admin")
    accounts.remove_account(with_accounts, "书记")
    with pytest.raises(UserError, match="最后一个管理员"):
        accounts.remove_account(with_accounts, "admin")
    accounts.set_role(with_accounts, "小王", "admin")
    accounts.set_role(with_accounts, "admin", "staff")  # another admin remains now
    assert access.current(with_accounts).role == "staff"
    assert {(a["username"], a["role"]) for a in accounts.list_accounts(accounts_admin(with_accounts))} == {
        ("admin", "staff"), ("小王", "admin")}


def accounts_admin(store):
    accounts.login(store, "小王", STAFF_PW, T0)
    return store


def test_a_removed_account_cannot_sign_in(with_accounts):
    accounts.remove_account(with_accounts, "小王")
    with pytest.raises(LoginRefused, match="用户名或密码不对"):
        accounts.login(with_accounts, "小王", STAFF_PW, T0)


def test_changing_passwords(with_accounts):
    accounts.change_password(with_accounts, "小王", "new-password-3")  # the 管理员 resets it
    with pytest.raises(LoginRefused):
        accounts.login(with_accounts, "小王", STAFF_PW, T0)
    as_staff_with(with_accounts, "new-password-3")
    with pytest.raises(LoginRefused, match="当前密码不对"):
        accounts.change_password(with_accounts, "小王", "another-4", current_password="wrong-one")
    accounts.change_password(with_accounts, "小王", "another-4", current_password="new-password-3", now=T0)
    with pytest.raises(PermissionDenied, match="只有管理员可以修改别人的密码"):
        accounts.change_password(with_accounts, "admin", "taken-over")
    assert accounts.login(with_accounts, "小王", "another-4", T0)["role"] == "staff"


def as_staff_with(store, password: str) -> None:
    accounts.login(store, "小王", password, T0)


# -- signing in ----------------------------------------------------------------------------


def test_login_sets_the_user_and_writes_the_audit_without_the_password(with_accounts):
    as_staff(with_accounts)
    assert access.current(with_accounts) == access.SignedIn("小王", "staff")
    row = audit(with_accounts, "login")[-1]
    assert row["user"] == "小王" and STAFF_PW not in (row["after"] or "")
    person(with_accounts, TODAY, "李四")
    assert audit(with_accounts, "insert")[-1]["user"] == "小王"  # the audit shows who did what


def test_a_wrong_password_is_refused_and_audited_without_it(with_accounts):
    with pytest.raises(LoginRefused, match="用户名或密码不对") as refused:
        accounts.login(with_accounts, "小王", "wrong-guess", T0)
    assert refused.value.wait_seconds == 0
    with pytest.raises(LoginRefused, match="用户名或密码不对"):
        accounts.login(with_accounts, "nobody", "wrong-guess", T0)
    failed = audit(with_accounts, "login_failed")
    assert [r["user"] for r in failed] == ["小王", ""]
    assert all("wrong-guess" not in (r["after"] or "") and "nobody" not in (r["after"] or "") for r in failed)
    assert access.current(with_accounts).user == "admin"  # still who signed in before


def test_repeated_wrong_passwords_make_the_next_try_wait(with_accounts):
    for n in range(2):
        with pytest.raises(LoginRefused) as refused:
            accounts.login(with_accounts, "小王", "wrong", T0 + timedelta(seconds=n))
        assert refused.value.wait_seconds == 0
    with pytest.raises(LoginRefused, match="30 秒后再试") as refused:
        accounts.login(with_accounts, "小王", "wrong", T0 + timedelta(seconds=2))
    assert refused.value.wait_seconds == 30
    # Even the right password waits; the try is not counted as checked.
    with pytest.raises(LoginRefused, match="后再试") as refused:
        accounts.login(with_accounts, "小王", STAFF_PW, T0 + timedelta(seconds=12))
    assert refused.value.wait_seconds == 20
    # Another wrong one after the wait doubles it.
    with pytest.raises(LoginRefused, match="1 分钟后再试") as refused:
        accounts.login(with_accounts, "小王", "wrong", T0 + timedelta(seconds=33))
    assert refused.value.wait_seconds == 60
    accounts.login(with_accounts, "小王", STAFF_PW, T0 + timedelta(seconds=94))
    assert access.current(with_accounts).user == "小王"
    row = with_accounts.query("SELECT failed_attempts, retry_after FROM accounts WHERE username = '小王'")[0]
    assert row == {"failed_attempts": 0, "retry_after": None}


def test_the_wait_survives_a_restart(db_path):
    store = open_ledger(db_path)
    accounts.create_admin(store, "admin", ADMIN_PW)
    for n in range(3):
        with pytest.raises(LoginRefused):
            accounts.login(store, "admin", "wrong", T0 + timedelta(seconds=n))
    store.close()
    again = open_ledger(db_path)
    try:
        with pytest.raises(LoginRefused, match="后再试"):
            accounts.login(again, "admin", ADMIN_PW, T0 + timedelta(seconds=10))
        accounts.login(again, "admin", ADMIN_PW, T0 + timedelta(seconds=40))
    finally:
        again.close()


def test_the_wait_grows_to_a_limit():
    assert [accounts.wait_seconds(n) for n in (1, 2, 3, 4, 5, 20)] == [0, 0, 30, 60, 120, 900]


def test_unlock_needs_the_signed_in_users_password(with_accounts):
    as_staff(with_accounts)
    accounts.lock(with_accounts)
    with pytest.raises(LoginRefused):
        accounts.unlock(with_accounts, ADMIN_PW, T0)  # another account's password does not unlock
    accounts.unlock(with_accounts, STAFF_PW, T0)
    assert [r["user"] for r in audit(with_accounts, "lock")] == ["小王"]
    assert [r["user"] for r in audit(with_accounts, "unlock")] == ["小王"]
    assert accounts.verify_password(with_accounts, STAFF_PW, T0)
    assert not accounts.verify_password(with_accounts, "nope-nope", T0)


# -- role checks in app/ --------------------------------------------------------------------


def test_staff_cannot_reach_what_is_the_administrators(with_accounts, tmp_path):
    store = with_accounts
    someone = volunteer(store, TODAY, "张三")
    activity(store, TODAY, [someone["id"]], review_state="已确认")
    item = stamps.checklist(store)[0]
    as_staff(store)
    refused = [
        (lambda: settings.save(store, {"preparer": "小王"}), "只有管理员可以修改设置，请用管理员账号登录。"),
        (lambda: stamps.add_item(store, {"kind": "保留", "name": "新事项"}), "只有管理员可以修改盖章事项清单"),
        (lambda: stamps.update_item(store, item["id"], {"name": "改名"}), "只有管理员可以修改盖章事项清单"),
        (lambda: stamps.delete_item(store, item["id"]), "只有管理员可以修改盖章事项清单"),
        (lambda: accounts.add_account(store, "小张", STAFF_PW), "只有管理员可以管理账号"),
        (lambda: accounts.set_role(store, "小王", "admin"), "只有管理员可以管理账号"),
        (lambda: accounts.remove_account(store, "admin"), "只有管理员可以管理账号"),
        (lambda: accounts.list_accounts(store), "只有管理员可以管理账号"),
        (lambda: month_export.export_month(store, 2026, 11, tmp_path / "out", masked=False), "只有管理员可以导出完整"),
        (lambda: ledgers.build(store, 1, 2026, 11, masked=False, today=TODAY), "只有管理员可以导出完整"),
        # (A 志愿服务记录证明 shows its holder's full ID to anyone who issues it: it is the holder's own paper.)
    ]
    for call, message in refused:
        with pytest.raises(PermissionDenied, match=message):
            call()
    assert not (tmp_path / "out").exists()
    assert store.scalar("SELECT count(*) FROM certificates") == 0
    assert settings.load(store).preparer == ""
    # What is theirs still works: entry and masked output.
    person(store, TODAY, "李四")
    assert ledgers.build(store, 1, 2026, 11, masked=True, today=TODAY).title


def test_the_idle_lock_minutes_setting(with_accounts):
    assert settings.load(with_accounts).idle_lock_minutes == 10
    for wrong in (0, 121, "十"):
        with pytest.raises(ValidationError, match="自动锁定时间"):
            settings.save(with_accounts, {"idle_lock_minutes": wrong})
    settings.save(with_accounts, {"idle_lock_minutes": "15"})
    assert accounts.idle_lock_state(with_accounts) == (True, 15)
    as_staff(with_accounts)
    with pytest.raises(PermissionDenied, match="修改设置"):
        settings.save(with_accounts, {"idle_lock_minutes": 120})
    assert settings.load(with_accounts).idle_lock_minutes == 15


# -- masked lists and the reveal -------------------------------------------------------------


def test_staff_lists_show_masked_numbers_and_the_admin_full_ones(with_accounts):
    store = with_accounts
    id_number = make_id("19850312")
    resident = person(store, TODAY, "张三丰", id_number=id_number, phone="13912345678")
    volunteer_row = volunteers.add_volunteer(store, {"person_id": resident["id"]}, today=TODAY)
    stamps.register_request(store, {"matter": "低保申请", "result": "已盖章", "applicant": "张三丰",
                                    "id_number": id_number, "phone": "13912345678", "date": TODAY,
                                    "handler": "小王"}, today=TODAY)
    listed = {
        "people": lambda: people.people_page(store)[0],
        "search": lambda: people.search_people(store, "zsf")[0],
        "volunteers": lambda: volunteers.volunteers_page(store)[0],
        "pickers": lambda: volunteers.search_volunteers(store, "张三丰")[0],
        "stamps": lambda: stamps.requests_page(store)[0],
    }
    for name, row in listed.items():
        assert row()["id_number"] == id_number, name  # the 管理员 sees lists as before
    as_staff(store)
    masked_id = id_number[:6] + "********" + id_number[-4:]
    for name, row in listed.items():
        shown = row()
        assert shown["id_number"] == masked_id, name
        assert shown.get("phone") in ("139****5678", None), name
    assert privacy.mask_value("id_number", masked_id) == masked_id  # masking twice changes nothing
    # The reveal: one record, full numbers, one audit row without them.
    full = privacy.reveal(store, "volunteers", volunteer_row["id"])
    assert full == {"id_number": id_number, "phone": "13912345678"}
    rows = audit(store, "reveal")
    assert len(rows) == 1
    assert (rows[0]["user"], rows[0]["table_name"], rows[0]["record_id"]) == ("小王", "volunteers",
                                                                              volunteer_row["id"])
    assert id_number not in rows[0]["after"] and "13912345678" not in rows[0]["after"]
    assert json.loads(rows[0]["after"]) == {"fields": ["身份证号", "联系电话"]}


def test_reveal_of_a_missing_record_says_so(store):
    with pytest.raises(UserError, match="找不到该记录"):
        privacy.reveal(store, "people", "no-such-id")
    with pytest.raises(UserError):
        privacy.reveal(store, "accounts", "x")
    assert audit(store, "reveal") == []


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_db(db_path, monkeypatch):
    monkeypatch.setattr(logs, "log_bug", lambda exc, where: None)
    store = open_ledger(db_path)
    accounts.create_admin(store, "admin", ADMIN_PW)
    accounts.add_account(store, "xiaowang", STAFF_PW)
    store.close()
    return db_path


def run(capsys, *argv):
    code = main([str(a) for a in argv], clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_needs_a_user_when_accounts_are_on(cli_db, capsys, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, STAFF_PW)
    code, out, err = run(capsys, "--db", cli_db, "stats", "--json")
    assert code == 2 and out == ""
    assert "--user" in err and PASSWORD_ENV in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "--db", cli_db, "--user", "xiaowang", "stats", "--json")
    assert code == 0, err
    assert json.loads(out)["people_total"] == 0


def test_cli_refuses_a_wrong_password(cli_db, capsys, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    code, out, err = run(capsys, "--db", cli_db, "--user", "xiaowang", "stats")
    assert code == 2
    assert err.strip() == "用户名或密码不对，请重新输入。"
    assert "not-the-password" not in out + err


def test_cli_staff_cannot_export_unmasked_or_change_settings(cli_db, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv(PASSWORD_ENV, STAFF_PW)
    code, out, err = run(capsys, "--db", cli_db, "--user", "xiaowang", "export", "--month", "2026-11",
                         "--out", tmp_path / "out", "--unmasked")
    assert code == 2
    assert err.strip() == "只有管理员可以导出完整的身份证号和电话，请用管理员账号登录。"
    assert not (tmp_path / "out").exists()
    code, out, err = run(capsys, "--db", cli_db, "--user", "xiaowang", "settings", "--set", "idle_lock_minutes=30")
    assert code == 2
    assert err.strip() == "只有管理员可以修改设置，请用管理员账号登录。"
    monkeypatch.setenv(PASSWORD_ENV, ADMIN_PW)
    code, out, err = run(capsys, "--db", cli_db, "--user", "admin", "settings", "--set", "idle_lock_minutes=30")
    assert code == 0, err
    assert "idle_lock_minutes = 30" in out


def test_cli_reads_the_password_from_a_prompt(cli_db, capsys, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or STAFF_PW)
    code, out, err = run(capsys, "--db", cli_db, "--user", "xiaowang", "stats")
    assert code == 0, err
    assert asked == ["xiaowang 的密码："]
