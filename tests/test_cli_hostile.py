"""The command line against hostile arguments and files: one Chinese line on stderr, exit 2,
no traceback, the database unchanged byte for byte, and no database made where there was none."""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest

from app.cli import main
from app.database import open_ledger
from app.people import add_person
from tests.conftest import pinned_clock

MONTHS = ["0000-01", "", "2026-13", "2026-00", "9999-12", "1899-12", "26-11", "2026/11/05", "二〇二六年十一月",
          "2026-1x", "-1", "2026-11-", "１２３４－５６", "x" * 5000, "2026-11\n2026-12"]
DATES = ["", "2026-02-30", "0000-01-01", "明天", "99999999", "2026.13.1", "1/2/3", "x" * 3000]
NAMES = ["", " ", "查无此人", "x" * 500, "320102194001011234", "🙂", "' OR 1=1 --", "\t"]
KINDS = ["people", "volunteers", "elders"]
SETTINGS = ["community_name", "idle_lock_minutes=abc", "idle_lock_minutes=0", "idle_lock_minutes=99999",
            "nonsense=1", "=x", "idle_lock_minutes=1e9", "idle_lock_minutes=-5", "password_hash=x"]


def readonly_folder(path: Path) -> Path | None:
    """A folder nobody may write into, root included (chattr +i); None where that cannot be made."""
    path.mkdir()
    (path / "已有文件.db").write_bytes(b"")
    if os.geteuid() != 0:
        path.chmod(0o555)
        return path
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        return path
    return None


def release(path: Path | None) -> None:
    if path is None:
        return
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    else:
        path.chmod(0o755)


def random_files(folder: Path, chance: random.Random) -> list[Path]:
    """Random bytes, empty files, zips of junk (an .xlsx and a sync package are zips), a text
    file, another program's SQLite database and a folder."""
    folder.mkdir()
    made = []
    for n in range(8):
        path = folder / f"随机{n}.{chance.choice(['xlsx', 'db', 'ledgersync', 'bin'])}"
        path.write_bytes(chance.randbytes(chance.choice([1, 100, 4096, 70_000])))
        made.append(path)
    for n in range(4):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in chance.sample(["manifest.json", "[Content_Types].xml", "xl/workbook.xml",
                                       "records.jsonl", "xl/worksheets/sheet1.xml"], 3):
                archive.writestr(name, chance.randbytes(chance.randint(0, 2000)))
        path = folder / f"压缩{n}.{chance.choice(['xlsx', 'ledgersync'])}"
        path.write_bytes(buffer.getvalue())
        made.append(path)
    (folder / "空.xlsx").write_bytes(b"")
    (folder / "花名册.csv").write_text("姓名,身份证号\n张三,320102\n", encoding="utf-8")
    foreign = folder / "别的程序.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.commit()
    conn.close()
    (folder / "文件夹.xlsx").mkdir()
    made += [folder / "空.xlsx", folder / "花名册.csv", foreign, folder / "文件夹.xlsx", folder / "不存在.xlsx"]
    return made


def hostile_cases(chance: random.Random, files: list[Path], readonly: Path | None, plain: Path,
                  db: Path, count: int) -> list[list[str]]:
    out_places = [str(plain / "下一级")]  # places no command can write to
    full = db.parent.parent / "满的U盘.xlsx"
    if Path("/dev/full").is_char_device():
        # Through a link: a writer that renamed over it would replace the link, never /dev/full.
        full.symlink_to("/dev/full")
        out_places.append(str(full))
    if readonly is not None:
        out_places += [str(readonly), str(readonly / "新建文件夹"), str(readonly / "备份.db")]
    makers = [
        lambda: ["stats", "--month", chance.choice(MONTHS)],
        lambda: ["export", "--month", chance.choice(MONTHS), "--out", str(db.parent / "导出")],
        lambda: ["export", "--month", "2026-10", "--out", chance.choice(out_places + [str(plain)])],
        lambda: ["certificate", "--volunteer", chance.choice(NAMES), "--from", chance.choice(DATES + ["2026-01-01"]),
                 "--handler", "王", "--contact", "13800138000", "--out", str(db.parent / "证明.pdf")],
        lambda: ["minutes", "--date", chance.choice(DATES + ["2026-11-01"]), "--out", str(db.parent / "会议.pdf")],
        lambda: ["import", chance.choice(KINDS), str(chance.choice(files)), *chance.choice([[], ["--dry-run"]])],
        lambda: ["import", chance.choice(["居民", "PEOPLE", "", "x" * 300]), str(plain)],
        lambda: ["template", chance.choice(KINDS), chance.choice(out_places + [str(f) for f in files if f.is_dir()])],
        lambda: ["backup", "--out", chance.choice(out_places + [str(db)])],
        lambda: ["restore", str(chance.choice(files + [plain, db.parent]))],
        lambda: ["settings", "--set", chance.choice(SETTINGS)],
        lambda: ["sync", "export", "--peer", chance.choice(["", "x" * 41]), "--out", str(db.parent)],
        lambda: ["sync", "export", "--peer", "笔记本", "--out", chance.choice(out_places + [str(plain)])],
        lambda: ["sync", "import", str(chance.choice(files + [plain]))],
        lambda: ["sync", "preview", str(chance.choice(files + [plain])), *chance.choice([[], ["--json"]])],
        lambda: ["sync"],
        lambda: ["sync", "conflicts", chance.choice(["--nonsense", "extra", "--json=1"])],
        lambda: ["sync", "merge", chance.choice(["", "zzzzzzzz", "0", "x" * 300]),
                 *chance.choice([["--keep", "mine"], ["--keep", "theirs"], ["--keep", "都要"], []])],
        lambda: [chance.choice(["stat", "导出", "", "--", "-x", "restore", "export", "sync", "import", "certificate"])],
        lambda: ["stats", chance.choice(["--json=1", "--month", "--nonsense", "extra"])],
    ]
    return [chance.choice(makers)() for _ in range(count)]


def digest_of(folder: Path) -> dict[str, str]:
    """Every file under the database's folder but the lock file (a writing command takes it)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture
def ledger_folder(tmp_path):
    folder = tmp_path / "数据"
    folder.mkdir()
    db = folder / "ledger.db"
    store = open_ledger(db, clock=pinned_clock())
    store.set_setting("community_code", "320505001001")
    store.set_setting("community_name", "星湖社区")
    add_person(store, {"name": "张三丰", "phone": "13800138000"}, today=store.clock.today())
    store.close()
    return db


def assert_refused(args: list[str], code: int, err: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, (args, code, err)
    assert len(lines) == 1, (args, err)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]), (args, err)
    assert "Traceback" not in err and "抱歉" not in err, (args, err)


def test_hostile_arguments_and_files_against_every_command(ledger_folder, tmp_path, capsys):
    db = ledger_folder
    chance = random.Random(20261114)
    files = random_files(tmp_path / "文件", chance)
    plain = tmp_path / "普通文件"
    plain.write_text("不是文件夹", encoding="utf-8")
    readonly = readonly_folder(tmp_path / "只读")
    try:
        before = digest_of(db.parent)
        cases = hostile_cases(chance, files, readonly, plain, db, 240)
        for args in cases:
            code = main(["--db", str(db), *args], clock=pinned_clock())
            assert_refused(args, code, capsys.readouterr().err)
            assert digest_of(db.parent) == before, args
    finally:
        release(readonly)


@pytest.mark.parametrize("command", [["stats"], ["stats", "--json"], ["check"], ["settings"],
                                     ["settings", "--set", "street=新街道"], ["backup", "--out", "备份.db"],
                                     ["export", "--month", "2026-10", "--out", "导出"],
                                     ["minutes", "--date", "2026-11-01", "--out", "会议.pdf"],
                                     ["certificate", "--volunteer", "张三丰", "--from", "2026-01-01",
                                      "--handler", "王", "--contact", "13800138000", "--out", "证明.pdf"],
                                     ["sync", "export", "--peer", "笔记本", "--out", "包"], ["sync", "conflicts"],
                                     ["sync", "merge", "abcdefgh", "--keep", "mine"]])
@pytest.mark.parametrize("state", ["missing", "empty", "folder", "random bytes", "foreign"])
def test_no_command_makes_a_database_where_it_must_find_one(tmp_path, capsys, monkeypatch, command, state):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "ledger.db"
    if state == "empty":
        db.write_bytes(b"")
    elif state == "folder":
        db.mkdir()
    elif state == "random bytes":
        db.write_bytes(random.Random(7).randbytes(9000))
    elif state == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.commit()
        conn.close()
    before = digest_of(tmp_path)
    code = main(["--db", str(db), *command], clock=pinned_clock())
    assert_refused(command, code, capsys.readouterr().err)
    assert digest_of(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "ledger.db.writer_lock") == (
        ["ledger.db"] if state != "missing" else [])


def test_a_lost_database_with_backups_is_not_replaced_by_a_new_one(ledger_folder, capsys):
    from app import backups, startup
    from db.writer_lock import WriterLock

    db = ledger_folder
    store = open_ledger(db, clock=pinned_clock())
    backups.make_backup(store)
    store.close()
    db.write_bytes(b"")  # emptied
    for command in (["stats"], ["demo"], ["import", "people", "x.xlsx"], ["settings"]):
        code = main(["--db", str(db), *command], clock=pinned_clock())
        line = capsys.readouterr().err.strip()
        assert code == 2 and "备份" in line, (command, line)
        assert db.stat().st_size == 0
    # So the window still offers the backup at its next start.
    lock = WriterLock(db).acquire()
    try:
        assert "备份" in startup.problem_at_start(db, lock)
    finally:
        lock.release()


def test_read_only_database_and_folder(tmp_path, ledger_folder, capsys):
    if os.geteuid() == 0 and not shutil.which("chattr"):
        pytest.skip("root without chattr: no read-only file root cannot write")
    frozen_file = tmp_path / "只读文件.db"
    shutil.copy(ledger_folder, frozen_file)
    folder = tmp_path / "只读文件夹"
    folder.mkdir()
    frozen_in_folder = folder / "ledger.db"
    shutil.copy(ledger_folder, frozen_in_folder)
    store = open_ledger(frozen_in_folder)  # WAL mode, as every ledger: a reader needs its -shm file
    store.close()
    made = []
    try:
        for path in (frozen_file, folder):
            if os.geteuid() == 0:
                if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                    pytest.skip("chattr +i is refused here (no CAP_LINUX_IMMUTABLE or the file system)")
            else:
                path.chmod(0o555 if path.is_dir() else 0o444)
            made.append(path)
        cases = [(frozen_file, ["settings", "--set", "street=新街道"]),
                 (frozen_file, ["restore", str(ledger_folder)]),
                 (frozen_in_folder, ["stats"]),
                 (frozen_in_folder, ["check"]),
                 (frozen_in_folder, ["settings", "--set", "street=新街道"]),
                 (frozen_in_folder, ["import", "people", str(tmp_path / "x.xlsx")]),
                 (frozen_in_folder, ["restore", str(ledger_folder)])]
        for db, command in cases:
            before = hashlib.sha256(db.read_bytes()).hexdigest()
            code = main(["--db", str(db), *command], clock=pinned_clock())
            assert_refused(command, code, capsys.readouterr().err)
            assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    finally:
        for path in made:
            release(path) if os.geteuid() == 0 else path.chmod(0o755)


# -- every command, from the CLI's own help ---------------------------------------------------------

NUMBERS = ["99999999999", "-1", "0", "1e9", "9" * 40, "0x10", "２０２６", "", "2026"]
TEXTS = ["", " ", "x" * 5000, "🙂", "-1", "../../etc/passwd", "%s%n{}", "' OR 1=1 --", "ZM2026-A0001", "\t\n"]
GROUPS = ["困境儿童", "特殊困难老年人", "", "查无此类", "x" * 300]
PEERS = ["", " ", "x" * 41, "笔记本", "../笔记本", "🙂" * 40]
SERIALS = ["", "ZM2026-A0001", "ZM9999999999-Z9999", "x" * 2000, "-1", "ZM2026-"]


def _help_of(*path: str) -> str:
    import contextlib

    from app.cli import build_parser

    text = io.StringIO()
    with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
        build_parser().parse_args([*path, "--help"])
    return text.getvalue()


def _section(text: str) -> list[str]:
    """The lines of the help's positional-arguments section."""
    lines = text.split("positional arguments:", 1)[-1].splitlines() if "positional arguments:" in text else []
    out = []
    for line in lines[1:]:
        if not line.strip() or not line.startswith(" "):
            break
        out.append(line)
    return out


def command_paths(*path: str) -> set[tuple[str, ...]]:
    """Every command and subcommand the help lists; a first argument with choices ({list,verify,void})
    makes one path per choice (and the bare command too where the choice may be left out)."""
    text = _help_of(*path)
    lines = _section(text)
    subs = [m.group(1) for line in lines if (m := re.match(r"^ {4}(\S+)", line))]
    if subs:
        return set().union(*(command_paths(*path, sub) for sub in subs))
    choices = next((m for line in lines if (m := re.match(r"^ {2}\{([^}]+)\}", line))), None)
    if choices is None:
        return {path}
    found = {(*path, choice) for choice in choices.group(1).split(",")}
    usage = " ".join(text.split("\n\n", 1)[0].split())
    return found | ({path} if f"[{{{choices.group(1)}}}]" in usage else set())


class Places:
    """Hostile places to write to and files to read, made once per test."""

    def __init__(self, root: Path, chance: random.Random) -> None:
        self.chance = chance
        root.mkdir()
        self.plain = root / "普通文件.txt"
        self.plain.write_text("不是文件夹", encoding="utf-8")
        self.report = root / "工作总结.docx"  # someone's document: no command may write over it
        self.report.write_bytes(b"PK\x03\x04" + chance.randbytes(3000))
        self.folder = root / "空文件夹"
        self.folder.mkdir()
        self.links = []
        for device in ("/dev/full", "/dev/null", "/dev/zero"):
            if Path(device).is_char_device():
                # Through a link: a writer that renamed over it would replace the link, never the device.
                link = root / f"设备{Path(device).name}.pdf"
                link.symlink_to(device)
                self.links.append(link)
        self.inputs = random_files(root / "随机文件", chance) + [self.plain, self.folder, self.report, *self.links]
        self.outputs = [self.plain, self.report, self.plain / "下一级" / "x.pdf", *self.links,
                        root / "不存在的文件夹" / "x.pdf", root / ("长" * 300 + ".pdf"), Path("")]
        self.writable = root / "可写"  # where a command may succeed
        self.keep = {p: p.read_bytes() for p in (self.plain, self.report)}
        self.names, self.dates = list(NAMES), list(DATES)  # and what the ledger holds, to find

    def learn(self, db: Path) -> None:
        """Names and meeting dates the ledger holds, so that some commands get as far as writing."""
        store = open_ledger(db, clock=pinned_clock())
        try:
            self.names += [r["name"] for r in store.query(
                "SELECT p.name FROM volunteers v JOIN people p ON p.id = v.person_id LIMIT 2")]
            self.names += [r["name"] for r in store.query(
                "SELECT p.name FROM care_members m JOIN people p ON p.id = m.person_id LIMIT 2")]
            self.dates += [r["date"] for r in store.query("SELECT date FROM meetings LIMIT 2")]
        finally:
            store.close()

    def out(self) -> str:
        if self.chance.random() < 0.1:
            return str(self.writable / f"输出{self.chance.randrange(10**6)}")
        return str(self.chance.choice(self.outputs + [self.folder]))

    def infile(self) -> str:
        return str(self.chance.choice(self.inputs))

    def maybe(self, option: str, values: list[str]) -> list[str]:
        return [option, self.chance.choice(values)] if self.chance.random() < 0.6 else []

    def flag(self, option: str) -> list[str]:
        return [option] if self.chance.random() < 0.5 else []


def makers(p: Places) -> dict[tuple[str, ...], object]:
    """One maker of hostile arguments for each command path."""
    ch = p.chance
    cases = {
        ("demo",): lambda: ["demo", *p.maybe("--seed", NUMBERS)],
        ("stats",): lambda: ["stats", *p.maybe("--month", MONTHS), *p.flag("--json")],
        ("check",): lambda: ["check", *p.flag("--json")],
        ("export",): lambda: ["export", "--month", ch.choice(MONTHS + ["2026-10"]), "--out", p.out(),
                              *p.maybe("--format", ["xlsx", "pdf", "both", "docx", ""]), *p.flag("--unmasked")],
        ("certificate",): lambda: ["certificate", *p.maybe("--volunteer", p.names), *p.maybe("--from", p.dates),
                                   *p.maybe("--to", p.dates), *p.maybe("--handler", TEXTS), *p.maybe("--contact", TEXTS),
                                   *p.maybe("--out", [p.out()]), *p.flag("--masked")],
        ("certificate", "list"): lambda: ["certificate", "list", *p.maybe("--year", NUMBERS),
                                          *p.maybe("--out", [p.out()]), *p.flag("--json")],
        ("certificate", "verify"): lambda: ["certificate", "verify", ch.choice(SERIALS), *p.flag("--json")],
        ("certificate", "void"): lambda: ["certificate", "void", ch.choice(SERIALS), *p.maybe("--reason", TEXTS)],
        ("timebank", "statement"): lambda: ["timebank", "statement", "--volunteer", ch.choice(p.names),
                                            *p.maybe("--until", p.dates), "--out", p.out()],
        ("care", "history"): lambda: ["care", "history", "--person", ch.choice(p.names), "--out", p.out(),
                                      *p.flag("--unmasked")],
        ("minutes",): lambda: ["minutes", "--date", ch.choice(p.dates), *p.maybe("--topic", TEXTS),
                               "--out", p.out()],
        ("backup",): lambda: ["backup", *p.maybe("--out", [p.out()])],
        ("restore",): lambda: ["restore", p.infile(), *p.flag("--other-community"),
                               *p.maybe("--recovery-code", TEXTS)],
        ("settings",): lambda: ["settings", *[a for _ in range(ch.randint(1, 2)) for a in ("--set", ch.choice(SETTINGS))]],
        ("sync", "export"): lambda: ["sync", "export", "--peer", ch.choice(PEERS), "--out", p.out(), *p.flag("--full")],
        ("sync", "import"): lambda: ["sync", "import", p.infile(), *p.maybe("--code", TEXTS), *p.flag("--json")],
        ("sync", "preview"): lambda: ["sync", "preview", p.infile(), *p.flag("--json")],
        ("sync", "invite"): lambda: ["sync", "invite", "--peer", ch.choice(PEERS), "--out", p.out(), *p.flag("--json")],
        ("sync", "conflicts"): lambda: ["sync", "conflicts", *p.flag("--json")],
        ("sync", "merge"): lambda: ["sync", "merge", ch.choice(TEXTS), *p.maybe("--keep", ["mine", "theirs", "", "both"])],
        ("recovery-code",): lambda: ["recovery-code", *p.flag("--json"), *p.maybe("--pdf", [p.out()])],
        ("street", "export"): lambda: ["street", "export", "--month", ch.choice(MONTHS + ["2026-10"]), "--out", p.out()],
        ("street", "import"): lambda: ["street", "import", *[p.infile() for _ in range(ch.randint(1, 3))]],
        ("street", "report"): lambda: ["street", "report", "--month", ch.choice(MONTHS + ["2026-10"]),
                                       "--out", p.out(), *p.flag("--json")],
    }
    for kind in ("people", "volunteers", "elders", "care"):
        cases[("import", kind)] = lambda kind=kind: ["import", kind, p.infile(), *p.maybe("--group", GROUPS),
                                                     *p.flag("--dry-run"), *p.flag("--json"), *p.flag("--skip-existing")]
        cases[("template", kind)] = lambda kind=kind: ["template", kind, p.out(), *p.maybe("--group", GROUPS)]
    return cases


def test_every_command_has_hostile_cases(tmp_path):
    listed = command_paths()
    assert ("sync", "preview") in listed and ("certificate",) in listed and ("import", "care") in listed
    assert set(makers(Places(tmp_path / "地方", random.Random(1)))) == listed


def test_random_arguments_to_every_command(demo_path, tmp_path, capsys, monkeypatch):
    """Every command path, a few times each, on the demo community (certificates, meetings, care
    members to find): refused in one Chinese line with the database folder as it was, or done;
    never a traceback, an apology, or a file of the user's written over."""
    monkeypatch.chdir(tmp_path)  # an empty --out is the current folder
    db = tmp_path / "数据" / "ledger.db"
    db.parent.mkdir()
    shutil.move(demo_path, db)
    places = Places(tmp_path / "地方", random.Random(int(os.environ.get("HOSTILE_SEED", "20261205"))))
    places.learn(db)
    before = digest_of(db.parent)
    for path, make in sorted(makers(places).items()):
        for _ in range(int(os.environ.get("HOSTILE_ROUNDS", "6"))):
            args = make()
            code = main(["--db", str(db), *args], clock=pinned_clock())
            out, err = capsys.readouterr()
            assert "Traceback" not in err and "抱歉" not in err, (args, err)
            if code == 2:
                assert_refused(args, code, err)
                assert digest_of(db.parent) == before, args
            elif code == 1:  # a roster with refused rows: a report, not a failure
                assert path[0] == "import" and not err and "拒绝" in out, (args, out, err)
                before = digest_of(db.parent)
            else:
                assert code == 0 and not err, (args, code, err)
                before = digest_of(db.parent)
            for kept, data in places.keep.items():
                assert kept.read_bytes() == data, (args, kept.name)
