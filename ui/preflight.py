"""Checks made before Qt starts: the Linux desktop's xcb libraries, and a command given to the windowed program.

No Qt here: these run before `QApplication` exists, and must stay cheap (startup is benchmarked).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

# What PySide6's xcb platform plugin (libqxcb.so → libQt6XcbQpa.so.6) links against beyond Qt and
# the libraries Qt itself needs, found with `ldd`, and the Debian/Ubuntu package of each
# (`dpkg -S`). A desktop that lacks one gets Qt's abort "Could not load the Qt platform plugin
# "xcb"" instead of a window; libxcb-cursor0, libxcb-icccm4 and libxcb-keysyms1 are the usual ones.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}

USE_CONSOLE_PROGRAM = (
    "这是窗口程序，不能显示命令的结果。请在“命令提示符”里运行同一文件夹中的 "
    "community-ledger-cli.exe，例如：community-ledger-cli.exe --version"
)

# Options that only choose what the window opens; anything else is a command for the console.
_WINDOW_OPTIONS = ("--db", "--user")


def uses_xcb(environ: Mapping[str, str], system: str) -> bool:
    """Whether Qt will start on the X11 (xcb) platform, so its libraries must be present."""
    if not system.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        # "xcb", "xcb:option=…", or a fallback list "wayland;xcb" whose first entry Qt tries first.
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"):
        return False  # Qt picks its Wayland platform, which does not need these
    return bool(environ.get("DISPLAY"))


def load_library(soname: str) -> object:
    """Open a shared library as Qt will (dlopen by soname); OSError when it cannot be found."""
    import ctypes  # only on the xcb path: a Windows start never pays for it

    try:
        return ctypes.CDLL(soname)
    except OSError:
        # The built program (PyInstaller) carries most of these in its own folder, where Qt's
        # plugin finds them through its run path but dlopen by bare name does not look.
        bundled = os.path.join(getattr(sys, "_MEIPASS", ""), soname)
        if getattr(sys, "frozen", False) and os.path.exists(bundled):
            return ctypes.CDLL(bundled)
        raise


def missing_xcb_packages(load: Callable[[str], object] | None = None) -> list[str]:
    """The Debian packages whose xcb library `load` (default: load_library) cannot open."""
    load = load or load_library
    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            load(soname)
        except OSError:
            missing.append(package)
    return missing


def xcb_problem(environ: Mapping[str, str], system: str | None = None,
                load: Callable[[str], object] | None = None) -> str | None:
    """One Chinese line naming what to install when the window cannot start, else None."""
    if not uses_xcb(environ, system or sys.platform):
        return None
    missing = missing_xcb_packages(load)
    if not missing:
        return None
    return ("无法打开窗口：缺少 Qt 窗口所需的系统库 " + "、".join(missing)
            + "。请先安装：sudo apt install " + " ".join(missing))


def needs_console(argv: Sequence[str], *, has_console: bool) -> bool:
    """True when a program without a console (Windows' windowed build) was given a command.

    Such a program cannot print, so `--version`, `demo`, `check`… would show nothing at all.
    `--db PATH` and `--user NAME` only choose what the window opens and are fine.
    """
    if has_console:
        return False
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in _WINDOW_OPTIONS:
            if not args:
                return True  # argparse's complaint about the missing value needs a console too
            args.pop(0)
            continue
        if any(arg.startswith(option + "=") for option in _WINDOW_OPTIONS):
            continue
        return True
    return False
