"""Random bytes, truncated files and random sheets to every importer (rosters of each kind, sync
packages, backups, street summaries): no traceback, no apology; a refused file is one Chinese line,
exit 2, and the database folder stays byte for byte as it was; a row holding a cell with no value
(an error value, a date before 1900, a formula without its result) is a refused row naming its column."""

from __future__ import annotations

import json
import random
import re
import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import Workbook

from app.cli import main
from app.rosters import headers
from tests.conftest import pinned_clock
from tests.handmade_xlsx import HEADER, text_cell, xlsx
from tests.test_cli_hostile import assert_refused, digest_of, ledger_folder, random_files  # noqa: F401 (a fixture)

SEED = 20261205
CJK = re.compile(r"[\u4e00-\u9fff]")
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b|\(\w+Error\)")
GROUP = "困境儿童"
KINDS = {"people": [], "volunteers": [], "elders": [], "care": ["--group", GROUP]}
NAMES = ["张三", "李四", "王五", "赵六", "孙七", "周八"]
ERRORS = ["#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
# Serial numbers in a date-formatted cell that no date can be read from: before 1900, past 9999.
JUNK = {"家庭住址", "Unnamed: 3", "序号2"}  # headers the importer does not read
BAD_SERIALS = [-5, -1, -693_594, -1e9, 2_958_466, 3e6, 1e300]


def run(db: Path, *args: str) -> tuple[int, str, str]:
    """A command in this process, with warnings caught: a command prints nothing but its own lines."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        code = main(["--db", str(db), *args], clock=pinned_clock())
    assert not caught, (args, [str(w.message)[:200] for w in caught])
    return code, out.getvalue(), err.getvalue()


def assert_calm(args, code: int, out: str, err: str) -> None:
    """No traceback, no apology, no exception class in anything the user reads."""
    assert code in (0, 1, 2), (args, code, err)
    assert "Traceback" not in out + err and "抱歉" not in out + err, (args, err)
    assert not CLASS_NAME.search(out + err), (args, CLASS_NAME.search(out + err))


# -- random sheets -----------------------------------------------------------------------------------


class Sheet:
    """A random roster sheet as written, and which of its cells hold no value (row -> column labels)."""

    def __init__(self, kind: str, labels: list[str], chance: random.Random) -> None:
        picked = ["姓名", *chance.sample([a for a in labels if a != "姓名"], chance.randint(1, min(9, len(labels) - 1)))]
        chance.shuffle(picked)
        if chance.random() < 0.2:
            picked.insert(chance.randrange(len(picked) + 1), chance.choice(sorted(JUNK)))
        self.kind, self.header, self.chance = kind, picked, chance
        self.title_rows = chance.choice([0, 0, 1, 2])
        self.rows = chance.randint(1, 12)
        self.no_value: dict[int, set[str]] = {}  # Excel row -> labels of cells holding no value

    def first_row(self) -> int:
        return self.title_rows + 2  # 1-based Excel row of the first data row

    def mark(self, row: int, label: str) -> None:
        if label not in JUNK and label != "序号":  # columns not read, and the 序号 that is never imported
            self.no_value.setdefault(row, set()).add(label)


def roster_labels(db: Path) -> dict[str, list[str]]:
    """Each roster's columns as the importer names them (a care group's own fields from the ledger)."""
    from app.care import group_named
    from app.database import open_ledger

    store = open_ledger(db, clock=pinned_clock())
    try:
        group = group_named(store, GROUP)
    finally:
        store.close()
    return {kind: [aliases[0] for aliases in headers(kind, group if kind == "care" else None).values()]
            for kind in KINDS}


def _random_text(chance: random.Random) -> str:
    return chance.choice([
        chance.choice(NAMES), "", " ", "\u3000", "x" * 32_767, "很" * chance.randint(1, 500),
        "".join(chr(chance.randint(0x20, 0x2FFF)) for _ in range(chance.randint(1, 40))),
        "320102194001011234", "32010219400101123X", "3201021940010112", "13800138000", "2026-02-30", "1899-12-31",
        "' OR 1=1 --", "=1+1", "男", "女", "是", "否", "高", "低", "在册", "困境儿童、残疾人", "合并\n换行",
    ])


def write_with_xlsxwriter(path: Path, sheet: Sheet) -> None:
    """Values of every type XlsxWriter writes, errors cached from formulas, bad serials with a date format."""
    chance = sheet.chance
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(chance.choice(["花名册", "Sheet1", "名单 (2)"]))
    day = wb.add_format({"num_format": chance.choice(["yyyy-mm-dd", "yyyy\"年\"m\"月\"d\"日\"", "m/d/yy"])})
    hours = wb.add_format({"num_format": "[h]:mm"})
    for n in range(sheet.title_rows):
        ws.write_string(n, 0, "阳光社区花名册" if n == 0 else "填表日期：2026年11月")
    top = sheet.title_rows
    for col, label in enumerate(sheet.header):
        ws.write_string(top, col, label)
    for r in range(sheet.rows):
        row = top + 1 + r
        for col, label in enumerate(sheet.header):
            what = chance.choice(["text", "text", "text", "number", "date", "serial", "error", "bool", "time",
                                  "duration", "blank", "cached"])
            if label == "姓名" and chance.random() < 0.7:
                what = "text"
            if what == "text":
                ws.write_string(row, col, _random_text(chance))
            elif what == "number":
                ws.write_number(row, col, chance.choice([0, -1, 1.5, 2**53, 3.20102194001011e17, 1e308, -1e-300,
                                                         chance.uniform(-1e6, 1e6), 20261105]))
            elif what == "date":
                ws.write_datetime(row, col, datetime(chance.randint(1900, 9999), chance.randint(1, 12),
                                                     chance.randint(1, 28)), day)
            elif what == "serial":
                ws.write_number(row, col, chance.choice(BAD_SERIALS), day)
                sheet.mark(row + 1, label)
            elif what == "error":
                code = chance.choice(ERRORS)
                ws.write_formula(row, col, chance.choice(["=NA()", "=1/0", "=#REF!+1", "=VLOOKUP(A1,Z:Z,2,0)"]),
                                 None, code)
                sheet.mark(row + 1, label)
            elif what == "bool":
                ws.write_boolean(row, col, chance.random() < 0.5)
            elif what == "time":
                ws.write_datetime(row, col, time(chance.randint(0, 23), chance.randint(0, 59)),
                                  wb.add_format({"num_format": "hh:mm"}))
            elif what == "duration":
                ws.write_datetime(row, col, timedelta(hours=chance.randint(0, 10_000)), hours)
            elif what == "cached":  # a formula whose result the file keeps: read as that result
                ws.write_formula(row, col, '="张"&"三"', None, chance.choice(["张三", "320102194001011234", "12"]))
    wb.close()


def write_with_openpyxl(path: Path, sheet: Sheet) -> None:
    """Formulas without results (openpyxl computes nothing), Python values of every type."""
    chance = sheet.chance
    wb = Workbook()
    ws = wb.active
    for n in range(sheet.title_rows):
        ws.append(["社区花名册" if n == 0 else None])
    ws.append(sheet.header)
    for r in range(sheet.rows):
        row = sheet.title_rows + 2 + r
        values, formulas = [], []
        for label in sheet.header:
            what = chance.choice(["text", "text", "formula", "date", "number", "blank"])
            if what == "formula":
                values.append(chance.choice(["=A1", "=ROW()-2", '=CONCATENATE("3201","02")', "=TODAY()"]))
                formulas.append(label)
            elif what == "text":
                values.append(_random_text(chance))
                if values[-1].startswith("="):  # openpyxl writes such a text as a formula
                    formulas.append(label)
            elif what == "date":
                values.append(chance.choice([date(1900, 1, 1), date(2026, 11, 5), datetime(2040, 1, 1, 12, 30),
                                             date(9999, 12, 31)]))
            elif what == "number":
                values.append(chance.choice([0, -7, 3.5, 10**15, 320102194001011234]))
            else:
                values.append(None)
        if all(v in (None, "") or label in formulas or label in JUNK for v, label in zip(values, sheet.header)):
            # Formulas alone are a template row filled down, read as empty: this one holds a name.
            values[sheet.header.index("姓名")] = chance.choice(NAMES)
            formulas = [label for label in formulas if label != "姓名"]
        for label in formulas:
            sheet.mark(row, label)
        ws.append(values)
    wb.save(path)


def test_random_sheets_to_every_roster_importer(ledger_folder, tmp_path):
    db = ledger_folder
    chance = random.Random(SEED)
    labels = roster_labels(db)
    folder = tmp_path / "花名册"
    folder.mkdir()
    for n in range(40):
        kind = list(KINDS)[n % len(KINDS)]
        sheet = Sheet(kind, labels[kind], chance)
        path = folder / f"随机{n}.xlsx"
        (write_with_openpyxl if n % 3 == 2 else write_with_xlsxwriter)(path, sheet)
        args = ["import", kind, str(path), *KINDS[kind], "--json", *chance.choice([[], ["--dry-run"]])]
        before = digest_of(db.parent)
        code, out, err = run(db, *args)
        assert_calm(args, code, out, err)
        if code == 2:
            assert_refused(args, code, err)
            assert digest_of(db.parent) == before, args
            continue
        assert not err, (args, err)
        rejected = {r["row"]: r["reason"] for r in json.loads(out)["rejected"]}
        for reason in rejected.values():
            assert "\n" not in reason and CJK.search(reason), (args, reason)
        for row, bad in sheet.no_value.items():
            assert row in rejected, (args, row, bad)
            assert any(f"“{label}”" in rejected[row] for label in bad), (args, row, rejected[row])


@pytest.mark.parametrize(("cell", "label", "words"), [
    ('<c r="C2" t="e"><v>#REF!</v></c>', "出生日期", "#REF!"),
    ('<c r="C2" t="e"><f>VLOOKUP(A2,Z:Z,2,0)</f><v>#N/A</v></c>', "出生日期", "#N/A"),
    ('<c r="C2" t="str"><v>#DIV/0!</v></c>', "联系电话", "#DIV/0!"),
])
def test_an_error_value_refuses_its_row_naming_the_column(ledger_folder, tmp_path, cell, label, words):
    path = xlsx(tmp_path / "错误值.xlsx", HEADER.replace("</row>", text_cell("C1", label) + "</row>")
                + f'<row r="2">{text_cell("A2", "张三")}{cell}</row><row r="3">{text_cell("A3", "李四")}</row>')
    before = digest_of(ledger_folder.parent)
    code, out, err = run(ledger_folder, "import", "people", str(path), "--json", "--dry-run")
    assert code == 1 and not err
    report = json.loads(out)
    assert report["accepted"] == 1 and [r["row"] for r in report["rejected"]] == [2]
    assert f"“{label}”" in report["rejected"][0]["reason"] and words in report["rejected"][0]["reason"]
    assert digest_of(ledger_folder.parent) == before


@pytest.mark.parametrize("serial", [-5, -1, 3e6])
def test_a_serial_date_no_calendar_has_refuses_its_row(ledger_folder, tmp_path, serial):
    """−5 read as a date is 1899-12-25, which Excel shows as ####; 3,000,000 is past 9999-12-31."""
    path = tmp_path / "日期.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "出生日期", "联系电话"])
    ws.write_row(1, 0, ["张三"])
    ws.write_number(1, 1, serial, wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_row(2, 0, ["李四"])
    wb.close()
    code, out, err = run(ledger_folder, "import", "people", str(path), "--json")
    assert code == 1 and not err
    report = json.loads(out)
    assert report["accepted"] == 1 and [r["row"] for r in report["rejected"]] == [2]
    assert "“出生日期”" in report["rejected"][0]["reason"]
    assert "1899" not in out or "早于 1900" in report["rejected"][0]["reason"]


def test_an_error_in_the_serial_number_column_refuses_nothing(ledger_folder, tmp_path):
    """The 序号 is never imported: =ROW()-1 without its result there is no reason to refuse the row."""
    path = tmp_path / "序号.xlsx"
    wb = Workbook()
    wb.active.append(["序号", "姓名", "联系电话"])
    wb.active.append(["=ROW()-1", "张三", "13800138000"])
    wb.save(path)
    code, out, err = run(ledger_folder, "import", "people", str(path), "--json", "--dry-run")
    assert (code, json.loads(out)["accepted"], json.loads(out)["rejected"]) == (0, 1, []), err


# -- random bytes and truncated files ------------------------------------------------------------------


def valid_files(db: Path, folder: Path) -> dict[str, Path]:
    """One good file of each kind the importers take, made by the program itself."""
    folder.mkdir()
    made = {"roster": folder / "花名册.xlsx", "sync": folder / "同步包.ledgersync",
            "backup": folder / "备份.ledgerbackup", "street": folder / "月报"}
    made["street"].mkdir()
    for args in (["template", "people", str(made["roster"])], ["sync", "export", "--peer", "笔记本", "--out",
                                                                str(made["sync"])],
                 ["backup", "--out", str(made["backup"])], ["street", "export", "--month", "2026-10", "--out",
                                                             str(made["street"])]):
        code, out, err = run(db, *args)
        assert code == 0, (args, err)
    made["street"] = next(made["street"].iterdir())
    return made


def damaged(good: dict[str, Path], folder: Path, chance: random.Random) -> list[Path]:
    """Each good file cut short at random places, and with a few bytes changed."""
    folder.mkdir()
    made = []
    for kind, path in good.items():
        data = path.read_bytes()
        for n, cut in enumerate(sorted(chance.sample(range(1, len(data)), 4)) + [len(data) - 1]):
            out = folder / f"截断{n}_{path.name}"
            out.write_bytes(data[:cut])
            made.append(out)
        if kind != "roster":  # a changed byte in an .xlsx may well be a readable roster still
            for n in range(3):
                changed = bytearray(data)
                for _ in range(chance.randint(1, 3)):
                    changed[chance.randrange(len(changed))] ^= 1 << chance.randrange(8)
                out = folder / f"改动{n}_{path.name}"
                out.write_bytes(bytes(changed))
                made.append(out)
    return made


def test_random_bytes_and_damaged_files_to_every_importer(ledger_folder, tmp_path):
    db = ledger_folder
    chance = random.Random(SEED + 1)
    good = valid_files(db, tmp_path / "好文件")
    street_db = tmp_path / "街道" / "street.db"
    street_db.parent.mkdir()
    code, _, err = run(street_db, "street", "import", str(good["street"]))
    assert code == 0, err
    files = random_files(tmp_path / "随机", chance) + damaged(good, tmp_path / "坏文件", chance)
    importers = [[*["import", kind, "{}"], *extra] for kind, extra in KINDS.items()] + [
        ["import", "people", "{}", "--dry-run"], ["sync", "import", "{}"], ["sync", "import", "{}", "--code", "123456"],
        ["sync", "preview", "{}"], ["restore", "{}"], ["restore", "{}", "--recovery-code", "ABCD-EFGH"]]
    before, street_before = digest_of(db.parent), digest_of(street_db.parent)
    for path in files:
        for command in importers + [["street", "import", "{}"]]:
            if "截断" not in path.name and "改动" not in path.name and chance.random() < 0.5:
                continue  # the random files, half of them to each importer: enough, and bounded
            args = [a.replace("{}", str(path)) for a in command]
            target = street_db if command[0] == "street" else db
            code, out, err = run(target, *args)
            assert_calm(args, code, out, err)
            assert_refused(args, code, err)
        assert digest_of(db.parent) == before, path
        assert digest_of(street_db.parent) == street_before, path


def test_a_refused_street_import_makes_no_street_database(tmp_path):
    street_db = tmp_path / "新街道.db"
    junk = tmp_path / "月报.json"
    junk.write_bytes(random.Random(SEED).randbytes(3000))
    code, out, err = run(street_db, "street", "import", str(junk))
    assert_refused(["street", "import"], code, err)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith("lock")) == ["月报.json"]
