"""Kill a command at any line of the program's own code, without sleeps.

A Forker is a process that has imported everything once and then, for each number N sent to it,
forks a child that runs `run()` (defined by the caller's setup code) and SIGKILLs itself at the
N-th line of app/ or db/ code that runs. It answers "killed", or "done CODE LINES" when `run()`
ended before line N.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

_LOOP = r"""
ours = (str(root / "app") + os.sep, str(root / "db") + os.sep)

for line in sys.stdin:
    limit = int(line)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        count = 0
        def local(frame, event, arg):
            global count
            if event == "line":
                count += 1
                if count == limit:
                    os.kill(os.getpid(), signal.SIGKILL)
            return local
        def tracer(frame, event, arg):
            return local if frame.f_code.co_filename.startswith(ours) else None
        sys.settrace(tracer)
        code = run()
        sys.settrace(None)
        os.write(writer, f"{code} {count}".encode())
        os._exit(0)
    os.close(writer)
    _, status = os.waitpid(pid, 0)
    answer = os.read(reader, 100).decode()
    os.close(reader)
    print("killed" if os.WIFSIGNALED(status) else f"done {answer}", flush=True)
"""


class Forker:
    """`setup` defines run() from `args` (sys.argv[2:] there; `root` is the project folder)."""

    def __init__(self, setup: str, *args: str | Path):
        script = "import os, signal, sys\nfrom pathlib import Path\nroot, args = Path(sys.argv[1]), sys.argv[2:]\n"
        self.child = subprocess.Popen([sys.executable, "-c", script + setup + _LOOP, str(ROOT), *map(str, args)],
                                      cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, limit: int) -> str:
        self.child.stdin.write(f"{limit}\n")
        self.child.stdin.flush()
        answer = self.child.stdout.readline().strip()
        assert answer, "the forking process stopped"
        return answer

    def full_run(self) -> int:
        """Run once unkilled: it must succeed; how many lines of our code it ran."""
        finished = self.run(10**9)
        assert finished.startswith("done 0 "), finished
        return int(finished.split()[2])

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait()
        self.child.stdout.close()
