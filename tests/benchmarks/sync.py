"""Benchmark: export and import of a sync package with 10,000 changed records.

Run: .venv/bin/python tests/benchmarks/sync.py [N] [--repeat R]
Prints the time of each step (the median of R runs, wall and CPU: on a shared machine the CPU
time says what the code costs) and its peak Python memory (tracemalloc, measured in a further
run so that tracing does not slow the timed ones). Target: each ≤ 3 s.
Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import settings, sync  # noqa: E402
from app.database import open_ledger  # noqa: E402


def prepare(folder: Path, n: int):
    office = open_ledger(folder / "office.db", author="基准")
    settings.save(office, {"community_name": "基准社区", "community_code": "320505001001"})
    laptop = open_ledger(folder / "laptop.db", author="基准")
    invitation = sync.invite(office, "笔记本", folder)  # the laptop joins with the one-time code
    sync.join(laptop, invitation.path, invitation.code)
    with office.transaction():
        for i in range(n):
            office.insert("people", {
                "name": f"居民{chr(0x4E00 + i % 1000)}{chr(0x4E00 + i // 1000)}", "gender": "男" if i % 2 else "女", "birth_date": "1950-01-01",
                "phone": f"138{i:08d}", "estate": "阳光小区", "building": str(i % 30), "unit": "1",
                "room": f"{i % 600:03d}", "grid": "一网格", "note": "独居，每周探访", "pinyin": f"jumin{i}",
                "initials": "jm", "sort_key": f"ju min {i:05d}"})
    return office, laptop


def run(n: int, trace: bool) -> dict[str, tuple[float, float]]:
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        office, laptop = prepare(folder, n)
        for step in ("export", "import"):
            if trace:
                tracemalloc.start()
            start, cpu = time.perf_counter(), time.process_time()
            if step == "export":
                result = sync.export_package(office, "笔记本", folder / "pkg.ledgersync")
                assert result.records >= n
            else:
                outcome = sync.import_package(laptop, folder / "pkg.ledgersync")
                assert outcome.applied >= n and not outcome.conflicts
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
            if trace:
                tracemalloc.stop()
            figures[step] = (elapsed, peak)
            figures[step + "_cpu"] = (cpu, 0.0)
        size = (folder / "pkg.ledgersync").stat().st_size
        office.close()
        laptop.close()
    figures["size"] = (size / 2**20, 0.0)
    return figures


def main() -> None:
    args = sys.argv[1:]
    repeat = 1
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at:at + 2]
    n = int(args[0]) if args else 10_000
    runs = [run(n, trace=False) for _ in range(repeat)]
    timed = {key: (statistics.median(r[key][0] for r in runs), 0.0) for key in runs[0]}
    traced = run(n, trace=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"同步包基准：{n} 条新增/修改的记录（包大小 {timed['size'][0]:.2f} MB；{repeat} 次取中位数；负载 {load}）")
    print(f"{'步骤':<8}{'时间 (s)':>10}{'CPU (s)':>10}{'峰值内存 (MB)':>16}{'目标':>10}")
    for step, label in (("export", "导出"), ("import", "导入")):
        seconds, peak = timed[step][0], traced[step][1]
        verdict = "达标" if seconds <= 3 else "超标"
        print(f"{label:<8}{seconds:>10.2f}{timed[step + '_cpu'][0]:>10.2f}{peak:>16.1f}{'≤ 3 s ' + verdict:>12}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"峰值内存为 Python 堆（tracemalloc，记录逐行流式处理）；整个进程（含准备数据和 SQLite 缓存）最大 RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
