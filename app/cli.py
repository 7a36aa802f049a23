"""The `community-ledger` command line (headless subcommands)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from app import logs
from app.errors import UsageError, UserError
from app.paths import default_db_path
from db.clock import Clock
from db.errors import StorageError, as_storage_error, os_reason, primary_code

EXIT_OK, EXIT_BUG, EXIT_USAGE = 0, 1, 2
PASSWORD_ENV = "COMMUNITY_LEDGER_PASSWORD"


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in one Chinese line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if "invalid choice" in message:
            text = "没有这个命令或选项值：" + message.split("invalid choice:")[-1].split("(")[0].strip()
        elif "required" in message:
            text = "缺少必需的参数：" + message.split(":")[-1].strip()
        elif "unrecognized arguments" in message:
            text = "无法识别的参数：" + message.split(":")[-1].strip()
        elif "expected one argument" in message:
            text = "参数缺少取值：" + message.split(":")[0].replace("argument", "").strip()
        else:
            text = "参数有误：" + message
        raise UsageError(f"{text}。运行 community-ledger --help 查看用法。")




def program_version() -> str:
    # importlib.metadata only when asked: it costs the window's start tens of milliseconds.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("community-ledger")
    except PackageNotFoundError:
        return "未安装"


class VersionAction(argparse.Action):
    """--version, as argparse's, but the version is looked up only when it is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help=kwargs.get("help", "显示版本号并退出"))

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"社区台账 {program_version()}")
        parser.exit()


def build_parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(
        prog="community-ledger",
        description="社区台账：居委会、村委会的日常记录与月度台账。",
    )
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认在用户数据目录）")
    parser.add_argument("--user", metavar="NAME",
                        help=f"启用账号后必填：用户名（密码取自环境变量 {PASSWORD_ENV}，没有时提示输入）")
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    demo = sub.add_parser("demo", help="在新数据库中生成演示社区数据")
    demo.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    stats = sub.add_parser("stats", help="打印某月的各项数字")
    stats.add_argument("--month", help="月份，如 2026-11（默认本月）")
    stats.add_argument("--json", action="store_true", help="以 JSON 输出")
    sub.add_parser("check", help="检查数据库文件是否完好")
    export = sub.add_parser("export", help="导出某月的全部台账（xlsx、pdf 和一份合订本 PDF）")
    export.add_argument("--month", required=True, help="月份，如 2026-11")
    export.add_argument("--out", required=True, help="输出文件夹")
    export.add_argument("--format", choices=["xlsx", "pdf", "both"], default="both", help="格式（默认 both）")
    export.add_argument("--unmasked", action="store_true", help="身份证号、电话显示完整（默认遮盖）")
    cert = sub.add_parser("certificate", help="志愿服务记录证明：开具（PDF，编号登记）、list 登记簿、verify 查验、void 作废")
    cert.add_argument("action", nargs="?", choices=["list", "verify", "void"],
                      help="不写：开具证明；list：列出或打印登记簿；verify 编号：查验；void 编号：作废")
    cert.add_argument("number", nargs="?", help="证明编号（verify、void 用）")
    cert.add_argument("--volunteer", help="志愿者编号、姓名或身份证号（开具时必填）")
    cert.add_argument("--from", dest="start", help="服务起始日期（开具时必填）")
    cert.add_argument("--to", dest="end", help="服务截止日期（默认今天）")
    cert.add_argument("--handler", help="经办人（开具时必填）")
    cert.add_argument("--contact", help="经办人联系电话（开具时必填）")
    cert.add_argument("--out", help="PDF 文件（开具时必填；list 时打印登记簿）")
    cert.add_argument("--masked", action="store_true", help="身份证号遮盖（默认完整：证明是本人的文件）")
    cert.add_argument("--unmasked", action="store_true", help=argparse.SUPPRESS)  # the default now
    cert.add_argument("--year", type=int, help="list：只列某年")
    cert.add_argument("--reason", help="void：作废原因")
    cert.add_argument("--json", action="store_true", help="以 JSON 输出（list、verify）")
    bank = sub.add_parser("timebank", help="时间银行：statement 打印一名志愿者的明细（PDF）")
    bank.add_argument("action", choices=["statement"], help="statement：明细")
    bank.add_argument("--volunteer", required=True, help="志愿者编号、姓名或身份证号")
    bank.add_argument("--until", help="截止日期（默认今天）")
    bank.add_argument("--out", required=True, help="PDF 文件")
    care = sub.add_parser("care", help="关爱对象：history 打印一人的全部探访记录（PDF）")
    care.add_argument("action", choices=["history"], help="history：探访记录")
    care.add_argument("--person", required=True, help="关爱对象的姓名或身份证号")
    care.add_argument("--out", required=True, help="PDF 文件")
    care.add_argument("--unmasked", action="store_true", help="身份证号、电话显示完整（仅管理员；默认遮盖）")
    minutes = sub.add_parser("minutes", help="打印某次协商会议的记录和签到表（PDF）")
    minutes.add_argument("--date", required=True, help="会议日期")
    minutes.add_argument("--topic", help="议题名称中的几个字（同一天有多次会议时）")
    minutes.add_argument("--out", required=True, help="PDF 文件")
    imp = sub.add_parser("import", help="从 Excel 花名册导入居民、志愿者、老年人或某类关爱对象")
    imp.add_argument("kind", choices=["people", "volunteers", "elders", "care"],
                     help="people | volunteers | elders | care（关爱对象，加 --group 类别名）")
    imp.add_argument("file", help=".xlsx 文件")
    imp.add_argument("--group", help="care：导入到哪一类关爱对象，如 困境儿童、残疾人")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    imp.add_argument("--skip-existing", action="store_true", help="身份证号已登记的行跳过（默认更新该居民）")
    template = sub.add_parser("template", help="生成空白花名册模板")
    template.add_argument("kind", choices=["people", "volunteers", "elders", "care"],
                          help="people | volunteers | elders | care（关爱对象，加 --group 类别名）")
    template.add_argument("file", help=".xlsx 文件")
    template.add_argument("--group", help="care：哪一类关爱对象的花名册（含该类的登记栏目）")
    backup = sub.add_parser("backup", help="备份数据库：到一个文件（如 U 盘上），不带 --out 时备份到数据库旁边的 backups 文件夹")
    backup.add_argument("--out", help="加密备份文件，或保存它的文件夹（不写则为手动备份，留在 backups 文件夹）")
    restore = sub.add_parser("restore", help="从备份恢复数据库（先自动备份当前数据库）")
    restore.add_argument("file", help="备份文件（.ledgerbackup 加密备份，或 .db）")
    restore.add_argument("--other-community", action="store_true",
                         help="备份属于另一个社区时，确认用它替换本机的全部记录")
    restore.add_argument("--recovery-code", help="恢复码：在没有社区密钥的新电脑上恢复加密备份时需要")
    conf = sub.add_parser("settings", help="查看社区设置；--set 修改（仅管理员）")
    conf.add_argument("--set", dest="changes", action="append", default=[], metavar="键=值",
                      help="如 --set idle_lock_minutes=15；可用的键见 community-ledger settings")
    sync = sub.add_parser("sync", help="同步包：在两台电脑之间用 U 盘交换记录")
    sync_sub = sync.add_subparsers(dest="sync_command", metavar="export|import|preview|invite|conflicts|merge",
                                   parser_class=ChineseArgumentParser)
    sync_export = sync_sub.add_parser("export", help="把上次发给对方之后的全部变化写进一个同步包")
    sync_export.add_argument("--peer", required=True, help="对方电脑的名称，如“村委会笔记本”")
    sync_export.add_argument("--out", required=True, help="同步包文件，或保存它的文件夹（如 U 盘）")
    sync_export.add_argument("--full", action="store_true", help="发送全部记录（给新电脑，或同步包丢失时）")
    sync_import = sync_sub.add_parser("import", help="导入对方的同步包（新电脑：导入邀请包，加 --code 邀请码）")
    sync_import.add_argument("file", help=".ledgersync 同步包或 .ledgerinvite 邀请包")
    sync_import.add_argument("--code", help="邀请码（导入邀请包时必填，见办公室电脑制作邀请时的提示）")
    sync_import.add_argument("--json", action="store_true", help="以 JSON 输出结果（含放在一边的不合规记录）")
    sync_preview = sync_sub.add_parser("preview", help="只看同步包导入后会新增、修改、删除什么，不写入任何内容")
    sync_preview.add_argument("file", help=".ledgersync 同步包")
    sync_preview.add_argument("--json", action="store_true", help="以 JSON 输出")
    sync_invite = sync_sub.add_parser("invite", help="邀请一台新电脑加入本社区（仅管理员）：写出邀请包并给出一次性邀请码")
    sync_invite.add_argument("--peer", required=True, help="新电脑的名称，如“村委会笔记本”")
    sync_invite.add_argument("--out", required=True, help="邀请包文件，或保存它的文件夹（如 U 盘）")
    sync_invite.add_argument("--json", action="store_true", help='以 JSON 输出 {"file": …, "code": …}')
    sync_conflicts = sync_sub.add_parser("conflicts", help="列出等待决定的同步冲突（含两台电脑登记了同一身份证号的居民）")
    sync_conflicts.add_argument("--json", action="store_true", help="以 JSON 输出")
    sync_merge = sync_sub.add_parser("merge", help="把重复的两位居民合并为一人：另一人的探访、服务记录、关爱对象等全部随之转过来")
    sync_merge.add_argument("conflict", metavar="冲突编号", help="sync conflicts 列出的编号（前 8 位即可）")
    sync_merge.add_argument("--keep", required=True, choices=["mine", "theirs"],
                            help="mine 保留本机的记录，theirs 保留对方的记录")
    recovery = sub.add_parser("recovery-code", help="显示恢复码（仅管理员；新电脑恢复加密备份时需要）")
    recovery.add_argument("--json", action="store_true", help="以 JSON 输出")
    recovery.add_argument("--pdf", metavar="FILE", help="同时写出一页的恢复码单（PDF），打印后放在保险柜里")
    _street_parser(sub)
    return parser


def _street_parser(sub) -> None:
    street = sub.add_parser("street", help="街道汇总：社区报送签名月报，街道导入并出汇总表")
    street_sub = street.add_subparsers(dest="street_command", metavar="export|import|report",
                                       parser_class=ChineseArgumentParser)
    export = street_sub.add_parser("export", help="（社区）把某月的数字和名单写成签名月报，交给街道")
    export.add_argument("--month", required=True, help="月份，如 2026-11")
    export.add_argument("--out", required=True, help="月报文件，或保存它的文件夹（如 U 盘）")
    imp = street_sub.add_parser("import", help="（街道）导入各社区的月报；--db 指向街道汇总数据库，没有时新建")
    imp.add_argument("files", nargs="+", metavar="FILE", help="社区月报文件（.json）")
    report = street_sub.add_parser("report", help="（街道）生成某月的街道月度汇总表（xlsx 和 pdf）")
    report.add_argument("--month", required=True, help="月份，如 2026-11")
    report.add_argument("--out", required=True, help="输出文件夹")
    report.add_argument("--json", action="store_true", help="同时以 JSON 输出各社区的数字")


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


@contextmanager
def _opened(args: argparse.Namespace, clock: Clock, *, must_exist: bool, writes: bool = False):
    """The command's database, closed when the command is done.

    A command that writes records holds the one-writer lock, so it cannot run while the
    window has the database open; reading commands share the file safely (WAL).
    """
    from app.database import open_ledger
    from db.writer_lock import WriterLock

    path = _db_path(args)
    if must_exist:
        require_ledger(path)
    else:
        may_create(path)
    lock = WriterLock(path).acquire() if writes else None
    try:
        store = open_ledger(path, clock=clock)
    except BaseException:
        if lock:
            lock.release(clean=False)
        raise
    try:
        if lock:
            from app.backups import tidy_leftovers

            tidy_leftovers(store)  # what a killed backup or restore left behind
        _sign_in(store, args)
        yield store
    finally:
        store.close()
        if lock:
            lock.release()


def _not_a_folder(path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"“{path}”是一个文件夹，不是数据库文件：--db 请指向一个 .db 文件。")


def _backups_hint(path: Path) -> str:
    from app.backups import list_backups

    if list_backups(path):
        return "备份文件夹里有它的备份：打开程序窗口会提供恢复，也可以运行 community-ledger restore 备份文件。"
    return "请检查 --db 指向的位置。"


def require_ledger(path: Path) -> None:
    """A command that reads or changes records needs the ledger to be there. It never makes a
    new, empty one: the next window start would then no longer offer the backups."""
    import sqlite3

    _not_a_folder(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UsageError(f"找不到数据库文件：{path}。{_backups_hint(path)}") from None
    except OSError as exc:
        raise UsageError(f"无法读取数据库文件“{path}”（{os_reason(exc)}）。") from None
    if size == 0:
        raise UsageError(f"数据库文件“{path}”是空的（0 字节）。{_backups_hint(path)}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        ours = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone()
    except sqlite3.DatabaseError as exc:
        if primary_code(exc) != sqlite3.SQLITE_NOTADB:
            return  # cannot be read here (a read-only folder …): opening it says why
        ours = None
    finally:
        conn.close()
    if not ours:
        raise UsageError(f"文件“{path.name}”不是社区台账数据库，请检查 --db 指向的文件。")


def may_create(path: Path) -> None:
    """Commands that may make a new database (demo, imports) still never start afresh where a
    lost ledger has backups."""
    _not_a_folder(path)
    if not path.is_file() or path.stat().st_size == 0:
        from app.backups import lost_with_backups

        if lost_with_backups(path):
            raise UsageError(f"数据库文件“{path.name}”不见了（或者是空的），但备份文件夹里有它的备份：请先恢复"
                             "（打开程序窗口，或运行 community-ledger restore 备份文件）。")


def _sign_in(store, args: argparse.Namespace) -> None:
    """With accounts on, a command runs as the user named by --user, after the password."""
    import getpass
    import os

    from app import accounts

    if not accounts.enabled(store):
        return  # accounts off: whoever runs the program may do everything
    if not args.user:
        raise UsageError(f"该数据库已启用账号：请加 --user 用户名，密码放在环境变量 {PASSWORD_ENV} 中"
                         "或在提示时输入。")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        try:
            password = getpass.getpass(f"{args.user} 的密码：")
        except EOFError:
            raise UsageError(f"没有读到密码：请在提示时输入，或设置环境变量 {PASSWORD_ENV}。") from None
    accounts.login(store, args.user, password)


def cmd_demo(args: argparse.Namespace, clock: Clock) -> int:
    from app.demo import build_demo

    with _opened(args, clock, must_exist=False, writes=True) as store:
        summary = build_demo(store, seed=args.seed)
    print(
        f"演示社区已生成：{_db_path(args)}\n"
        f"居民 {summary.people} 人，志愿者 {summary.volunteers} 人，志愿活动 {summary.activities} 次"
        f"（服务记录 {summary.service_records} 条），老年人 {summary.elders} 人（探访 {summary.visits} 次），"
        f"议题 {summary.topics} 个（会议 {summary.meetings} 次），盖章登记 {summary.stamp_requests} 件。"
    )
    return EXIT_OK


def _month(text: str) -> tuple[int, int]:
    from app.validation import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_export(args: argparse.Namespace, clock: Clock) -> int:
    from app.month_export import export_month

    year, month = _month(args.month)
    with _opened(args, clock, must_exist=True) as store:
        result = export_month(store, year, month, args.out, fmt=args.format, masked=not args.unmasked)
    print(f"已导出 {len(result.files)} 个文件到 {result.folder}")
    if result.combined:
        print(f"打印用合订本：{result.combined}")
    return EXIT_OK


_REGISTER_HEAD = ("证明编号", "持证人", "服务时长（小时）", "服务时段", "出具日期", "状态")


def _register_line(e: dict) -> str:
    state = f"已作废（{e['voided_on']}，{e['void_reason']}）" if e["voided"] else "有效"
    return "\t".join([e["number"], e["holder"], f"{e['hours']:.2f}", e["period"], e["issued_on"], state])


def cmd_certificate(args: argparse.Namespace, clock: Clock) -> int:
    import json

    from app import documents, volunteers

    if args.action in ("verify", "void") and not args.number:
        raise UsageError(f"请写出证明编号，如 certificate {args.action} ZM2026-A0001")
    if args.action == "list":
        with _opened(args, clock, must_exist=True) as store:
            entries = documents.register_entries(store, args.year)
            if args.out:
                documents.write_register(store, args.out, args.year)
        if args.json:
            print(json.dumps(entries, ensure_ascii=False, indent=1))
        else:
            print("\t".join(_REGISTER_HEAD))
            for e in entries:
                print(_register_line(e))
            print(f"共 {len(entries)} 份" + (f"；登记簿已写入 {args.out}" if args.out else ""))
        return EXIT_OK
    if args.action == "verify":
        with _opened(args, clock, must_exist=True) as store:
            entry = documents.verify_certificate(store, args.number)
        if args.json:
            print(json.dumps(entry, ensure_ascii=False))
        else:
            print("\t".join(_REGISTER_HEAD))
            print(_register_line(entry))
        return EXIT_OK
    if args.action == "void":
        if not args.reason:
            raise UsageError("作废证明须写明原因：--reason 原因")
        with _opened(args, clock, must_exist=True, writes=True) as store:
            documents.void_certificate(store, args.number, args.reason)
        print(f"证明 {args.number} 已作废；编号保留在登记簿中，不再使用")
        return EXIT_OK
    missing = [flag for flag, value in (("--volunteer", args.volunteer), ("--from", args.start),
                                        ("--handler", args.handler), ("--contact", args.contact),
                                        ("--out", args.out)) if not value]
    if missing:
        raise UsageError(f"开具证明须写 {'、'.join(missing)}")
    with _opened(args, clock, must_exist=True, writes=True) as store:
        found = volunteers.find_volunteer(store, args.volunteer)
        certificate = documents.issue_certificate(
            store, {"volunteer_id": found["id"], "period_start": args.start, "period_end": args.end,
                    "handler": args.handler, "contact": args.contact},
            path=args.out, masked=args.masked)
    print(f"已开具证明 {certificate['serial']}：{args.out}")
    return EXIT_OK


def cmd_timebank(args: argparse.Namespace, clock: Clock) -> int:
    from app import documents, volunteers
    from app.ledgers import timebank_statement
    from app.validation import parse_date
    from exports.pdf import write_pdf

    with _opened(args, clock, must_exist=True) as store:
        found = volunteers.find_volunteer(store, args.volunteer)
        until = parse_date(args.until, field="截止日期") if args.until else None
        ledger = timebank_statement(store, found["id"], until=until)
        documents.write_safely(lambda: write_pdf(ledger, args.out), args.out)
    print(f"已写出时间银行明细：{args.out}")
    return EXIT_OK


def cmd_care(args: argparse.Namespace, clock: Clock) -> int:
    from app import care_history

    with _opened(args, clock, must_exist=True) as store:
        person = care_history.find_person_in_care(store, args.person)
        care_history.write_history(store, person["id"], args.out, masked=not args.unmasked)
    print(f"已写出{person['name']}的探访记录：{args.out}")
    return EXIT_OK


def cmd_minutes(args: argparse.Namespace, clock: Clock) -> int:
    from app import documents

    with _opened(args, clock, must_exist=True) as store:
        meetings = documents.meetings_on(store, args.date)
        if args.topic:
            meetings = [m for m in meetings if args.topic in (m["topic_title"] or "")]
        if not meetings:
            raise UserError("这一天没有登记协商会议，请核对日期（或议题）")
        if len(meetings) > 1:
            titles = "、".join(m["topic_title"] or m["form"] for m in meetings)
            raise UserError(f"这一天有 {len(meetings)} 次会议（{titles}），请用 --topic 指明")
        documents.write_minutes(store, meetings[0]["id"], args.out)
    print(f"已生成会议记录和签到表：{args.out}")
    return EXIT_OK


def _care_group_argument(args: argparse.Namespace) -> None:
    """care needs --group; the other rosters take none."""
    if args.kind == "care" and not (args.group or "").strip():
        raise UsageError("关爱对象花名册请用 --group 指明类别，如 --group 困境儿童。")
    if args.kind != "care" and args.group is not None:
        raise UsageError("--group 只用于关爱对象花名册（care）。")


def cmd_import(args: argparse.Namespace, clock: Clock) -> int:
    from app.rosters import import_roster
    from exports.errors import RosterError

    _care_group_argument(args)
    try:
        with _opened(args, clock, must_exist=False, writes=not args.dry_run) as store:
            report = import_roster(store, args.kind, args.file, update_existing=not args.skip_existing,
                                   dry_run=args.dry_run, group=args.group)
    except RosterError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        head = "检查结果（未写入）" if args.dry_run else "导入完成"
        print(f"{head}：新增 {report.accepted} 行，更新 {report.updated} 行，跳过 {report.skipped} 行，"
              f"拒绝 {len(report.rejected)} 行。")
        for item in report.rejected:
            print(f"  第 {item['row']} 行：{item['reason']}")
    return 1 if report.rejected else EXIT_OK


def cmd_template(args: argparse.Namespace, clock: Clock) -> int:
    from app.rosters import import_group, write_template

    _care_group_argument(args)
    group = None
    if args.kind == "care":  # the group's fields are in the ledger (a group's rules may have changed)
        with _opened(args, clock, must_exist=False) as store:
            group = import_group(store, args.group)
    try:
        path = write_template(args.kind, args.file, group=group)
    except OSError:
        raise UsageError(f"无法写入文件：{args.file}") from None
    print(f"已生成空白花名册：{path}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, clock: Clock) -> int:
    from app.stats import LABELS, month_stats

    if args.month is not None:
        year, month = _month(args.month)
    else:
        year, month = clock.today().year, clock.today().month
    with _opened(args, clock, must_exist=True) as store:
        figures = month_stats(store, year, month)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        width = max(len(label) for label in LABELS.values())
        for key, value in figures.items():
            if key == "groups":
                for name, g in value.items():
                    print(f"{name}：在册 {g['total']}，应探访 {g['due']}，已探访 {g['visited']}，"
                          f"探访率 {g['visit_rate']:.1%}，上门 {g['home_visits']} 次，逾期 {g['overdue']}")
                continue
            shown = f"{value:.1%}" if key == "visit_rate" else value
            print(f"{LABELS.get(key, key):\u3000<{width}}  {shown}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, clock: Clock) -> int:
    from db import connection, schema

    path = _db_path(args)
    _not_a_folder(path)
    db = connection.open_existing(path)
    try:
        problems = connection.integrity_problems(db)
        if problems:
            raise StorageError(f"数据库文件“{path.name}”已损坏（{problems[0][:60]}），请从备份恢复。")
        schema.check_version(db)
        if not db.table_names():
            raise StorageError(f"“{path.name}”是空文件，不是社区台账数据库。")
    finally:
        db.close()
    print(f"数据库完好：{path}")
    return EXIT_OK


SETTING_KEYS = ("community_name", "community_code", "street", "preparer", "reviewer", "idle_lock_minutes")


def cmd_settings(args: argparse.Namespace, clock: Clock) -> int:
    from dataclasses import asdict

    from app import settings

    changes = {}
    for item in args.changes:
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in SETTING_KEYS:
            raise UsageError(f"--set 应写成 键=值，键是 {'、'.join(SETTING_KEYS)} 之一。")
        changes[key.strip()] = value.strip()
    with _opened(args, clock, must_exist=True, writes=bool(changes)) as store:
        config = settings.save(store, changes) if changes else settings.load(store)
    for key, value in asdict(config).items():
        print(f"{key} = {value}")
    if changes:
        print("设置已保存。")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace, clock: Clock) -> int:
    from app import sync

    if args.sync_command is None:
        raise UsageError("请指定 sync export、sync import、sync preview、sync invite、sync conflicts 或 sync merge。"
                         "运行 community-ledger sync --help 查看用法。")
    if args.sync_command == "preview":
        with _opened(args, clock, must_exist=True) as store:
            result = sync.preview_package(store, args.file)
        print(json.dumps(sync.result_json(result), ensure_ascii=False) if args.json else sync.preview_text(result))
        return EXIT_OK
    if args.sync_command == "conflicts":
        with _opened(args, clock, must_exist=True) as store:
            found = sync.conflicts(store)
        _print_conflicts(found, as_json=args.json)
        return EXIT_OK
    with _opened(args, clock, must_exist=args.sync_command != "import", writes=True) as store:
        if args.sync_command == "merge":
            merge = sync.merge_duplicate(store, _conflict_id(sync.conflicts(store), args.conflict), args.keep)
            kept = store.get("people", merge["kept_id"])
            print(f"已合并：保留“{kept['name']}”，另一条记录的探访、服务记录、关爱对象等已随之转来；"
                  "下次交换同步包后其他电脑同样合并。")
            return EXIT_OK
        if args.sync_command == "export":
            result = sync.export_package(store, args.peer, args.out, full=args.full)
            print(f"已制作同步包：{result.path}（{result.records} 条记录）")
            return EXIT_OK
        if args.sync_command == "invite":
            invitation = sync.invite(store, args.peer, args.out)
            if args.json:
                print(json.dumps({"file": str(invitation.path), "code": invitation.code}, ensure_ascii=False))
            else:
                print(f"已制作邀请包：{invitation.path}\n邀请码：{invitation.code}\n"
                      f"请当面或电话把邀请码告诉新电脑的使用人，不要写在 U 盘上；邀请 {sync.INVITE_DAYS} 天内有效，只能用一次。")
            return EXIT_OK
        if args.code is not None:
            outcome = sync.join(store, args.file, args.code)
        else:
            outcome = sync.import_package(store, args.file)
        pending = len(sync.conflicts(store))
    if args.json:
        print(json.dumps({**sync.result_json(outcome), "open_conflicts": pending}, ensure_ascii=False))
        return EXIT_OK
    print(outcome.summary())
    if pending:
        print(f"有 {pending} 条冲突等待处理：请在窗口的“数据同步”页逐条决定。")
    return EXIT_OK


def _print_conflicts(found: list[dict], *, as_json: bool) -> None:
    if as_json:  # no personal numbers: the kind, the record's name and what differs
        print(json.dumps([{"id": c["id"], "kind": c["kind"], "table": c["table_name"], "table_label": c["table_label"],
                           "label": c["label"], "detected_at": c["detected_at"], "can_merge": c["can_merge"],
                           "differences": [d["label"] for d in c["differences"]]} for c in found],
                         ensure_ascii=False))
        return
    if not found:
        print("没有等待处理的冲突。")
    for c in found:
        what = "重复（同一身份证号或编号）" if c["kind"] == "duplicate" else "、".join(d["label"] for d in c["differences"])
        merge = "；可合并：sync merge " + c["id"][:8] + " --keep mine|theirs" if c["can_merge"] else ""
        print(f"{c['id'][:8]}  {c['table_label']}“{c['label']}”  {what}{merge}")


def _conflict_id(found: list[dict], text: str) -> str:
    """The open conflict whose id starts with `text` (the 8 characters sync conflicts shows)."""
    text = (text or "").strip().lower()
    matches = [c["id"] for c in found if text and c["id"].startswith(text)]
    if len(matches) != 1:
        raise UsageError("找不到这个冲突编号（或有不止一条以它开头），请用 sync conflicts 查看编号后重试。")
    return matches[0]


def cmd_recovery_code(args: argparse.Namespace, clock: Clock) -> int:
    from app import community_key

    with _opened(args, clock, must_exist=True, writes=True) as store, store.transaction():
        # One transaction: a sheet that cannot be written leaves no new key and no log line behind.
        sheet = community_key.recovery_sheet(store)
        if args.pdf:
            community_key.print_recovery_sheet(store, args.pdf, sheet)
    if args.json:
        print(json.dumps({"community_name": sheet.community_name, "community_code": sheet.community_code,
                          "recovery_code": sheet.code}, ensure_ascii=False))
    else:
        print(f"{sheet.community_name or '本社区'} 的恢复码：{sheet.code}\n"
              "请抄在恢复码单上，放在办公室保险柜里：新电脑恢复加密备份时需要它。")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, clock: Clock) -> int:
    from app import backups

    with _opened(args, clock, must_exist=True) as store:
        out = backups.save_copy(store, args.out) if args.out else backups.backup_now(store).path
    print(f"已备份到：{out}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, clock: Clock) -> int:
    from app import backups
    from app.access import require_admin
    from db.writer_lock import WriterLock

    path = _db_path(args)
    _not_a_folder(path)
    lock = WriterLock(path).acquire()
    user = ""
    try:
        if path.is_file() and path.stat().st_size:
            try:
                with _opened(args, clock, must_exist=True) as store:
                    require_admin(store, "从备份恢复")
                    user = store.author
            except StorageError:
                pass  # a damaged database has no accounts to ask: it is kept aside, not lost
        try:
            kept = backups.restore_file(path, args.file, now=clock.local_now(), clock=clock, user=user,
                                        other_community=args.other_community, recovery_code=args.recovery_code)
        except backups.OtherCommunity as exc:
            raise UsageError(f"{exc}确认要这样做，请加 --other-community 再运行。") from None
    finally:
        lock.release(clean=False)  # the restored file is checked at the next start
    print(f"已从备份恢复：{path}")
    if kept:
        print(f"恢复前的数据库保留为：{kept}")
    return EXIT_OK


def cmd_street(args: argparse.Namespace, clock: Clock) -> int:
    from app import street

    if args.street_command is None:
        raise UsageError("请指定 street export、street import 或 street report。运行 community-ledger street --help 查看用法。")
    if args.street_command == "export":
        year, month = _month(args.month)
        with _opened(args, clock, must_exist=True) as store:
            result = street.export_summary(store, year, month, args.out)
        print(f"已生成 {result.month} 的街道月报：{result.path}")
        print(f"本社区的密钥指纹：{result.fingerprint}（街道首次导入时会电话核对）")
        return EXIT_OK
    if args.street_command == "import":
        path = _db_path(args)
        fresh = not path.exists()
        try:
            with _street(args, must_exist=False, writes=True) as db:
                lines = street.import_summaries(db, args.files, clock=clock)
        except BaseException:
            if fresh:  # a refused first import leaves no empty street database behind
                for made in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
                    made.unlink(missing_ok=True)
            raise
        for line in lines:
            print(line.text())
        return EXIT_OK
    year, month = _month(args.month)
    with _street(args, must_exist=True) as db:
        result = street.write_report(db, year, month, args.out, clock=clock)
    if args.json:
        print(json.dumps(result.data.as_json(), ensure_ascii=False))
    else:
        print(f"已生成街道月度汇总表：{result.files[0]}、{result.files[1]}")
        if result.data.missing:
            print(f"未报送 {len(result.data.missing)} 个社区：" + "、".join(m["name"] for m in result.data.missing))
    return EXIT_OK


@contextmanager
def _street(args: argparse.Namespace, *, must_exist: bool, writes: bool = False):
    """The street database (set up at a path with no database when importing)."""
    from db.writer_lock import WriterLock
    from db.street import open_street

    path = _db_path(args)
    if must_exist and not path.is_file():
        raise UsageError(f"找不到街道汇总数据库：{path}（先用 street import 导入社区月报）")
    lock = WriterLock(path).acquire() if writes else None
    try:
        db = open_street(path)
    except BaseException:
        if lock:
            lock.release(clean=False)
        raise
    try:
        yield db
    finally:
        db.close()
        if lock:
            lock.release()


COMMANDS = {
    "demo": cmd_demo, "stats": cmd_stats, "check": cmd_check, "export": cmd_export,
    "certificate": cmd_certificate, "timebank": cmd_timebank, "care": cmd_care, "minutes": cmd_minutes, "import": cmd_import, "template": cmd_template,
    "sync": cmd_sync, "settings": cmd_settings, "backup": cmd_backup, "restore": cmd_restore,
    "street": cmd_street,
    "recovery-code": cmd_recovery_code,
}


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """Run one command; user-fixable problems print one Chinese line and exit 2."""
    clock = clock or Clock()
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("请指定命令（如 demo、stats、export）；不带命令运行 community-ledger 会打开窗口。")
        return COMMANDS[args.command](args, clock)
    except (UsageError, UserError, StorageError) as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_BUG
    except OSError as exc:
        # The system refused a file (a read-only folder, a full disk, a name that is a folder):
        # the user can put that right.
        where = f"“{exc.filename}”" if exc.filename else "文件"
        print(f"无法读写{where}（{os_reason(exc)}），请检查路径、权限和磁盘空间。", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        known = as_storage_error(exc)
        if known is not None:
            print(str(known), file=sys.stderr)
            return EXIT_USAGE
        path = logs.log_bug(exc, "command line")
        where = f"，详情已记录在 {path}" if path else ""
        print(f"抱歉，程序出了问题{where}。请把这个文件发给维护人员。", file=sys.stderr)
        return EXIT_BUG


def run() -> None:
    sys.exit(main())
