"""Benchmark: backup and restore of the five-year database, with the full checks.

Run: .venv/bin/python tests/benchmarks/restore.py
Builds (once, cached) the dataset of tests/benchmark.py, copies it into a scratch folder and
prints the time of a backup, of checking it (checksum, integrity_check, foreign keys), of a
restore over a closed database (command line) and into an open one (window), and the peak
memory of the process (it counts the file pages SQLite maps while checking). Target: restore ≤ 5 s. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import backups  # noqa: E402
from app.database import open_ledger  # noqa: E402
from db import backup as files  # noqa: E402
from db.clock import Clock  # noqa: E402
from tests.benchmark import dataset  # noqa: E402


def figure(label: str, started: float, cpu: float) -> None:
    """Wall time and CPU time of all the process's threads (the machine may be shared)."""
    print(f"{label}  {time.perf_counter() - started:6.2f} s（CPU {time.process_time() - cpu:5.2f} s）")


def main() -> int:
    big, _ = dataset()
    folder = Path(tempfile.mkdtemp(prefix="restore-bench-"))
    try:
        db = folder / big.name
        shutil.copy(big, db)
        store = open_ledger(db)
        started = time.perf_counter()
        made = backups.make_backup(store)
        print(f"备份（含校验值与快速检查）  {time.perf_counter() - started:6.2f} s")
        store.close()
        started, cpu = time.perf_counter(), time.process_time()
        files.verify_file(made.path)
        figure("检查备份（校验值、完整性、外键）", started, cpu)
        started, cpu = time.perf_counter(), time.process_time()
        backups.restore_file(db, made.path, now=Clock().local_now())
        figure("恢复到关闭的数据库（命令行）", started, cpu)
        store = open_ledger(db)
        started, cpu = time.perf_counter(), time.process_time()
        backups.restore_into(store, made.path)
        figure("恢复到打开的数据库（窗口）", started, cpu)
        store.close()
        print(f"负载（1 分钟平均）  {os.getloadavg()[0]:6.1f}")
        print(f"峰值内存  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:6.0f} MB")
    finally:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
