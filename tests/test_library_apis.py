"""Only public library APIs: no `obj._private` of openpyxl, reportlab, XlsxWriter, sqlite-utils,
et_xmlfile or any other package anywhere in the program (a private name changes without notice,
which is how the openpyxl pin came about).

The check is static, on each module's syntax tree. Flagged:
- `x._name` (not dunder) where x is not self/cls nor a class or function defined in the module
  (so `self.canv._code` is flagged: the canvas is reportlab's);
- importing from a library's private module (`openpyxl.worksheet._writer`);
- getattr/setattr/hasattr(x, "_name") on such an x;
- `self._name` in a class built on a library class, when the class itself never defines _name.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "db", "exports", "ui")
# Documented names that happen to start with an underscore (PyInstaller's folder, namedtuple's API).
PUBLIC_UNDERSCORE = {"_MEIPASS", "_replace", "_asdict", "_fields", "_make", "_exit"}
OUR_PACKAGES = set(PACKAGES)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORE


def _owner(node: ast.AST) -> str | None:
    """The name right before a private attribute: self in self._a, Foo in Foo(x)._a; else None."""
    if isinstance(node, ast.Call):
        node = node.func
    return node.id if isinstance(node, ast.Name) else None


def _root(node: ast.AST) -> str | None:
    """The name an expression starts from: self in self.a.b, Foo in Foo(x).y."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _library_names(tree: ast.Module) -> set[str]:
    """Names this module imports from outside the program (classes a class of ours may build on)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in OUR_PACKAGES:
                names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in OUR_PACKAGES:
                    names.add((alias.asname or alias.name).split(".")[0])
    return names


def _own_names(cls: ast.ClassDef) -> set[str]:
    """What a class defines itself: methods, class attributes, attributes assigned on self (overriding a
    library's private method is defining it too; calling one that is not overridden is flagged)."""
    names = set()
    for node in ast.walk(cls):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not cls:
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _root(node) == "self":
            names.add(node.attr)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def private_accesses(root: Path = ROOT) -> list[str]:
    """Every flagged access in the program under root, as `path:line: text`."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"), str(path))
            local = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
            allowed = {"self", "cls"} | local
            library = _library_names(tree)
            where = path.relative_to(root)
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and _private(node.attr) and _owner(node.value) not in allowed:
                    found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                      and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) >= 2
                      and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                      and _private(node.args[1].value) and _owner(node.args[0]) not in allowed):
                    found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
                elif (isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] not in OUR_PACKAGES
                      and any(_private(part) for part in node.module.split("."))):
                    found.append(f"{where}:{node.lineno}: from {node.module} import … (a private module)")
                elif isinstance(node, ast.ClassDef) and any(_root(b) in library for b in node.bases):
                    own = _own_names(node)
                    for inner in ast.walk(node):
                        if (isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name)
                                and inner.value.id == "self" and _private(inner.attr) and inner.attr not in own):
                            found.append(f"{where}:{inner.lineno}: {ast.unparse(inner)} (inherited from a library)")
    return found


def test_no_private_attribute_of_a_library_anywhere():
    assert private_accesses() == []


def test_the_check_sees_each_kind_of_access(tmp_path):
    (tmp_path / "exports").mkdir()
    for package in PACKAGES[:2] + PACKAGES[3:]:
        (tmp_path / package).mkdir()
    (tmp_path / "exports" / "bad.py").write_text(
        "from openpyxl import Workbook\n"
        "from reportlab.pdfgen.canvas import Canvas\n"
        "from sqlite_utils.migrations import Migrations\n"
        "migrations = Migrations('x')\n"
        "class _Ours:\n"
        "    def _helper(self):\n"
        "        return self._mine, self.canv._code\n"
        "class Numbered(Canvas):\n"
        "    def showPage(self):\n"
        "        self._mine = 1\n"
        "        self._startPage()\n"
        "        return self._mine, self._pagesize\n"
        "def write(wb: Workbook, xf):\n"
        "    names = [m.name for m in migrations._migrations]\n"
        "    wb._add_sheet(None)\n"
        "    out = getattr(xf, '_file', None)\n"
        "    return _Ours()._helper(), wb.__class__, names, out\n", "utf-8")
    (tmp_path / "exports" / "worse.py").write_text("from openpyxl.worksheet._writer import WorksheetWriter\n", "utf-8")
    found = {line.split(": ", 1)[1] for line in private_accesses(tmp_path)}
    assert found == {"self._startPage (inherited from a library)", "self._pagesize (inherited from a library)",
                     "self.canv._code", "migrations._migrations", "wb._add_sheet", "getattr(xf, '_file', None)",
                     "from openpyxl.worksheet._writer import … (a private module)"}
