"""README's two commands are the ones CI and newcomers run; README stands on its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui import preflight

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


def _link_targets(text: str) -> list[str]:
    """Markdown link and image targets, and HTML src/href attributes."""
    return re.findall(r"\]\(([^)\s]+)", text) + re.findall(r"(?:src|href)=\"([^\"]+)\"", text)


@pytest.mark.parametrize("document", ["README.md", "docs/ARCHITECTURE.md"])
def test_documents_link_only_files_inside_the_repository(document):
    # A clone has nothing beside the repository: a link out of it is dead there.
    path = ROOT / document
    text = path.read_text("utf-8")
    assert "../shared" not in text and "DESIGN.md" not in text
    targets = _link_targets(text)
    assert targets, f"{document} links nothing"
    for target in targets:
        file = (path.parent / target.split("#")[0]).resolve()
        assert "://" not in target and file.is_relative_to(ROOT), target
        assert file.exists(), target


def test_readme_and_ci_name_every_package_the_xcb_window_needs():
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "system-packages").read_text("utf-8")
    for package in preflight.XCB_LIBRARIES.values():
        assert re.search(rf"\b{re.escape(package)}\b", readme), package
        assert re.search(rf"\b{re.escape(package)}\b", ci), package
