"""Benchmark: the 街道's import and report.

Run: .venv/bin/python tests/benchmarks/street.py [COMMUNITIES] [MONTHS] [LINES]
Defaults: 30 communities × 60 months of summaries, 20 list lines each (the issue's figures),
then a report month. Targets: import ≤ 3 s, report for a month ≤ 2 s.
Also try 300 12 20 for a 区 of 300 communities. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from app import street  # noqa: E402
from db import street as street_db  # noqa: E402
from db.clock import Clock  # noqa: E402
from tests.factories import street_summary_file  # noqa: E402


def months_back(n: int, last=(2026, 10)) -> list[str]:
    year, month = last
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def main() -> int:
    communities, months, lines = (int(a) for a in (sys.argv[1:] + ["30", "60", "20"][len(sys.argv) - 1:])[:3])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for c in range(communities):
            key = Ed25519PrivateKey.generate()
            for m, month in enumerate(months_back(months)):
                files.append(street_summary_file(folder / f"{c}-{month}.json", key, f"3205{c:05d}", month,
                                                 due=40, visited=30 + (c + m) % 11, lines=lines))
        size = sum(f.stat().st_size for f in files)
        db = street_db.open_street(folder / "street.db")
        t0 = time.perf_counter()
        street.import_summaries(db, files, clock=Clock())
        imported = time.perf_counter() - t0
        t0 = time.perf_counter()
        figures = street.street_month(db, 2026, 10)
        figured = time.perf_counter() - t0
        t0 = time.perf_counter()
        street.write_report(db, 2026, 10, folder / "rep", clock=Clock())
        reported = time.perf_counter() - t0
        db.close()
        db_size = (folder / "street.db").stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{communities} 个社区 × {months} 个月 = {len(files)} 份月报，共 {size / 1e6:.1f} MB（数据库 {db_size / 1e6:.1f} MB）")
    print(f"导入全部月报          {imported:6.2f} s   (目标 ≤ 3 s)")
    print(f"汇总一个月（含 12 个月趋势） {figured:6.2f} s")
    print(f"汇总表 xlsx + pdf       {reported:6.2f} s   (目标 ≤ 2 s)")
    print(f"峰值内存              {peak:6.0f} MB   (进程 RSS，含生成)")
    print(f"探访率 {figures.totals['visit_rate']:.1%}，未报送 {len(figures.missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
