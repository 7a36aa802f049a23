"""Before Qt starts: a desktop missing xcb libraries, and a command given to the windowed program."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from ui import main, preflight

X11 = {"DISPLAY": ":0"}


def loader_without(*absent: str):
    """A library loader that cannot find `absent`, the way ctypes.CDLL fails on a bare desktop."""
    loaded = []

    def load(soname: str) -> object:
        if soname in absent:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")
        loaded.append(soname)
        return object()

    load.loaded = loaded
    return load


def test_a_missing_library_names_its_package_and_the_apt_command():
    problem = preflight.xcb_problem(X11, "linux", loader_without("libxcb-cursor.so.0", "libxcb-keysyms.so.1"))
    assert problem is not None and "\n" not in problem
    assert problem.endswith("sudo apt install libxcb-cursor0 libxcb-keysyms1")
    assert "libxcb-icccm4" not in problem


def test_every_library_present_is_no_problem():
    load = loader_without()
    assert preflight.xcb_problem(X11, "linux", load) is None
    assert set(load.loaded) == set(preflight.XCB_LIBRARIES)


@pytest.mark.parametrize(("environ", "system"), [
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, "linux"),
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux"),
    ({}, "linux"),  # no display at all: Qt says so itself
    ({"DISPLAY": ":0"}, "win32"),
])
def test_platforms_other_than_xcb_are_not_checked(environ, system):
    load = loader_without(*preflight.XCB_LIBRARIES)
    assert preflight.xcb_problem(environ, system, load) is None
    assert load.loaded == []


@pytest.mark.parametrize("chosen", ["xcb", "xcb:dpi=96", " xcb ", "xcb;wayland"])
def test_xcb_chosen_explicitly_is_checked(chosen):
    assert preflight.uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": chosen}, "linux")


def test_the_real_libraries_of_this_machine_are_found():
    # CI installs them (.ci/system-packages); this proves the real loader and sonames agree.
    assert preflight.missing_xcb_packages() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_open_window_prints_the_line_and_exits_2_instead_of_starting_qt(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setattr(preflight, "load_library", loader_without("libxcb-icccm.so.4"))
    assert main.open_window(tmp_path / "ledger.db") == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [err.strip()] and "sudo apt install libxcb-icccm4" in err
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.parametrize("argv", [
    ["--version"], ["demo"], ["--db", "x.db", "check"], ["--db=x.db", "stats"], ["--help"], ["--db"],
    ["--bogus"],
])
def test_a_program_without_a_console_given_a_command_needs_the_console_one(argv):
    assert preflight.needs_console(argv, has_console=False)
    assert not preflight.needs_console(argv, has_console=True)


@pytest.mark.parametrize("argv", [[], ["--db", "D:\\台账\\ledger.db"], ["--user", "小王"], ["--db=x.db", "--user=a"]])
def test_options_that_only_choose_what_the_window_opens_need_no_console(argv):
    assert not preflight.needs_console(argv, has_console=False)


def test_the_windowed_program_given_a_command_says_to_use_the_console_one(qtbot, monkeypatch):
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    monkeypatch.setattr(sys, "stdout", None)  # how PyInstaller's windowed program starts on Windows
    assert main.main(["--version"]) == 2
    assert told == [preflight.USE_CONSOLE_PROGRAM] and "community-ledger-cli.exe" in told[0]
