"""README's two commands are the ones CI and newcomers run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text("utf-8"), re.S)


def test_readme_starts_with_two_commands():
    blocks = _sh_blocks()
    assert len(blocks) >= 2
    assert "community-ledger" in blocks[0] and "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert _sh_blocks()[1].strip() in [line.strip() for line in ci_lines]
