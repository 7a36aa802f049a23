"""The Qt binding installed is one pyproject.toml allows: PySide6 6.12.0 on Python < 3.12 was
seen to kill the window at exit once file work had run on the second worker ("Fatal Python
error: none_dealloc"); tests/benchmarks/exit_crashes.py counts such deaths (none in 90 runs
since), and the pin stays until a release note says it is fixed."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def qt_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [r for r in map(Requirement, project["dependencies"]) if r.name == "PySide6-Essentials"]


def for_python(python: str | None = None) -> Requirement:
    """The one PySide6 requirement that applies on `python` (this interpreter's when None)."""
    environment = {"python_version": python} if python else None
    applying = [r for r in qt_requirements() if r.marker is None or r.marker.evaluate(environment)]
    assert len(applying) == 1, applying
    return applying[0]


def test_the_installed_binding_is_one_the_project_allows():
    installed = version("PySide6-Essentials")
    assert for_python().specifier.contains(installed), (
        f"PySide6-Essentials {installed} is not allowed here: pip install -e '.[test]' again")


def test_6_12_0_is_kept_out_before_python_3_12_only():
    assert not for_python("3.11").specifier.contains("6.12.0")
    assert for_python("3.11").specifier.contains("6.11.3")
    assert for_python("3.12").specifier.contains("6.12.0")
