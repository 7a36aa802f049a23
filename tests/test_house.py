"""The shape of the house: imports point one way with no circles, and the catalog knows
every record table, how each kind in the 回收站 comes back and what each list page shows."""

from __future__ import annotations

import ast
from pathlib import Path

from db import kinds

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "db", "exports", "ui")
# package → the packages (and third-party roots) it must never import
ALLOWED = {"db.errors", "db.clock"}  # the roots every layer shares: the one error tree, the one clock
FORBIDDEN = {
    "db": {"app", "ui", "exports", "PySide6"},
    "exports": {"app", "ui", "db", "PySide6"},
    "app": {"ui", "PySide6"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module `path` imports, at the top or inside a function (types-only imports aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def project_graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    known = {module_name(p) for p in paths}
    return {module_name(p): imports_of(p, known) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles among the project's own modules (one path per circle found)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_no_import_circles():
    assert cycles(project_graph()) == []


def test_imports_point_one_way():
    wrong = []
    for module, targets in project_graph().items():
        banned = FORBIDDEN.get(module.split(".")[0], set())
        wrong += [f"{module} → {t}" for t in sorted(targets) if t.split(".")[0] in banned and t not in ALLOWED]
    assert wrong == []


def test_the_checks_see_a_circle_and_a_wrong_way_import(tmp_path):
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import x\n"
                      "def f():\n    from ui.window import MainWindow\nimport db.store\n")
    assert imports_of(module, {"ui.window", "db.store"}) == {"typing", "ui.window", "db.store"}


def test_every_failure_a_user_can_fix_is_in_one_tree():
    from app.errors import SyncError, UsageError, UserError, ValidationError
    from db.errors import DamagedDatabase
    from exports.errors import RosterError

    assert all(issubclass(e, UserError) for e in (SyncError, UsageError, ValidationError, DamagedDatabase,
                                                   RosterError))


def test_every_record_table_is_in_the_catalog(store):
    """A table with the records' common columns that the catalog does not know would neither
    sync nor show in the 回收站 or the 操作日志 with a name."""
    common = {"id", "created_at", "updated_at", "deleted_at", "device_id"}
    tables = [t for t in store.db.table_names() if common <= set(store.db[t].columns_dict)]
    assert tables and [t for t in tables if t not in kinds.KINDS] == []
    for kind in kinds.in_bin():  # the 回收站 can name each kind it lists
        store.query(f"SELECT {kind.label_sql} AS label FROM {kind.table} t LIMIT 1")


def catalog_problems(catalog: dict[str, kinds.Kind], columns_of: dict[str, set[str]]) -> list[str]:
    """What a kind's declaration leaves out or gets wrong: a kind in the 回收站 says how it comes
    back, and what it stands on or brings back are kinds in the 回收站, through columns that exist."""
    problems = []
    for kind in catalog.values():
        if kind.in_bin != (kind.restore is not None):
            problems.append(f"{kind.table}: in_bin={kind.in_bin} but restore={kind.restore}")
        if kind.restore is None:
            continue
        links = [(link.table, kind.table, link.column) for link in kind.restore.stands_on]
        links += [(link.table, link.table, link.column) for link in kind.restore.together]
        for other, holder, column in links:
            if other not in catalog or not catalog[other].in_bin:
                problems.append(f"{kind.table}: {other} is no kind in the 回收站")
            if column not in columns_of.get(holder, set()):
                problems.append(f"{kind.table}: {holder} has no column {column}")
        for unique in kind.restore.unique:
            problems += [f"{kind.table}: no column {c}" for c in unique.columns if c not in columns_of[kind.table]]
    return problems


def test_every_kind_in_the_bin_declares_how_it_comes_back(store):
    columns_of = {t: set(store.db[t].columns_dict) for t in store.db.table_names()}
    assert catalog_problems(kinds.KINDS, columns_of) == []


def test_the_catalog_check_sees_a_kind_without_restore_rules_and_a_wrong_link():
    columns_of = {"a": {"id", "b_id"}, "b": {"id"}}
    bare = {"a": kinds.Kind("a", "甲", "id", in_bin=True)}
    assert catalog_problems(bare, columns_of) == ["a: in_bin=True but restore=None"]
    wrong = {"a": kinds.Kind("a", "甲", "id", in_bin=True,
                             restore=kinds.Restore(stands_on=(kinds.Link("b", "c_id"),)))}
    assert catalog_problems(wrong, columns_of) == ["a: b is no kind in the 回收站", "a: a has no column c_id"]


def page_problems(paths: list[Path], catalog: dict[str, kinds.Kind]) -> list[str]:
    """A list page of one kind takes its columns from the catalog: the kind declares them and
    the page declares none of its own."""
    problems = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or "RecordPage" not in {getattr(b, "id", "") for b in node.bases}:
                continue
            table = next((s.value.value for s in node.body if isinstance(s, ast.Assign)
                          and any(getattr(t, "id", "") == "table" for t in s.targets)
                          and isinstance(s.value, ast.Constant)), None)
            if table not in catalog:
                continue  # the 回收站 and the 操作日志 list every kind
            if not catalog[table].columns:
                problems.append(f"{node.name}: {table} declares no columns")
            if any(isinstance(s, ast.FunctionDef) and s.name == "columns" for s in node.body):
                problems.append(f"{node.name}: columns of its own")
    return problems


def test_every_list_page_takes_its_columns_from_the_catalog():
    assert page_problems(sorted((ROOT / "ui" / "pages").glob("*.py")), kinds.KINDS) == []


def test_the_page_check_sees_a_kind_without_columns_and_a_page_with_its_own(tmp_path):
    page = tmp_path / "p.py"
    page.write_text("class APage(RecordPage):\n    table = 'a'\n\n"
                    "class BPage(RecordPage):\n    table = 'b'\n    def columns(self):\n        return []\n")
    catalog = {"a": kinds.Kind("a", "甲"), "b": kinds.Kind("b", "乙", columns=(kinds.Column("名称", "name"),))}
    assert page_problems([page], catalog) == ["APage: a declares no columns", "BPage: columns of its own"]


def test_the_log_names_records_by_columns_that_exist_and_are_no_personal_numbers(store):
    numbers = {n for kind in kinds.KINDS.values() for n in kind.numbers}
    for kind in kinds.KINDS.values():
        columns = set(store.db[kind.table].columns_dict)
        assert set(kind.log_fields) <= columns - numbers, kind.table
