"""The `community-ledger` command line (headless subcommands)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from app import logs
from app.errors import UserError
from app.paths import default_db_path
from db.errors import StorageError

EXIT_OK, EXIT_BUG, EXIT_USAGE = 0, 1, 2


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


class UsageError(Exception):
    """Bad command-line arguments."""


def program_version() -> str:
    try:
        return version("community-ledger")
    except PackageNotFoundError:
        return "未安装"


def build_parser() -> ChineseArgumentParser:
    parser = ChineseArgumentParser(
        prog="community-ledger",
        description="社区台账：居委会、村委会的日常记录与月度台账。",
    )
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认在用户数据目录）")
    parser.add_argument("--version", action="version", version=f"社区台账 {program_version()}")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)
    demo = sub.add_parser("demo", help="在新数据库中生成演示社区数据")
    demo.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    stats = sub.add_parser("stats", help="打印某月的各项数字")
    stats.add_argument("--month", help="月份，如 2026-11（默认本月）")
    stats.add_argument("--json", action="store_true", help="以 JSON 输出")
    sub.add_parser("check", help="检查数据库文件是否完好")
    return parser


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else default_db_path()


def _open(args: argparse.Namespace, *, must_exist: bool):
    from app.ledger import open_ledger

    path = _db_path(args)
    if must_exist and args.db and not path.is_file():
        raise UsageError(f"找不到数据库文件：{path}")
    return open_ledger(path)


def cmd_demo(args: argparse.Namespace, today: date) -> int:
    from app.demo import build_demo

    store = _open(args, must_exist=False)
    try:
        summary = build_demo(store, today=today, seed=args.seed)
    finally:
        store.close()
    print(
        f"演示社区已生成：{_db_path(args)}\n"
        f"居民 {summary.people} 人，志愿者 {summary.volunteers} 人，志愿活动 {summary.activities} 次"
        f"（服务记录 {summary.service_records} 条），老年人 {summary.elders} 人（探访 {summary.visits} 次），"
        f"议题 {summary.topics} 个（会议 {summary.meetings} 次），盖章登记 {summary.stamp_requests} 件。"
    )
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, today: date) -> int:
    from app.stats import LABELS, month_stats
    from app.validation import parse_month

    if args.month:
        try:
            year, month = parse_month(args.month)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    else:
        year, month = today.year, today.month
    store = _open(args, must_exist=True)
    try:
        figures = month_stats(store, year, month, today=today)
    finally:
        store.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        width = max(len(label) for label in LABELS.values())
        for key, value in figures.items():
            shown = f"{value:.1%}" if key == "visit_rate" else value
            print(f"{LABELS.get(key, key):\u3000<{width}}  {shown}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, today: date) -> int:
    from db import connection, schema

    path = _db_path(args)
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


COMMANDS = {"demo": cmd_demo, "stats": cmd_stats, "check": cmd_check}


def main(argv: Sequence[str] | None = None, *, today: date | None = None) -> int:
    """Run one command; user-fixable problems print one Chinese line and exit 2."""
    today = today or date.today()
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("请指定命令（demo、stats、check）；不带命令运行 community-ledger 会打开窗口。")
        return COMMANDS[args.command](args, today)
    except (UsageError, UserError, StorageError) as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_BUG
    except Exception as exc:
        path = logs.log_bug(exc, "command line")
        where = f"，详情已记录在 {path}" if path else ""
        print(f"抱歉，程序出了问题{where}。请把这个文件发给维护人员。", file=sys.stderr)
        return EXIT_BUG


def run() -> None:
    sys.exit(main())
