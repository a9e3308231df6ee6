"""The shape of the package, read from the code's imports (AST, nothing is imported):

- only ``ui/`` and the Qt print path in ``printing/`` import PySide6;
- ``ui/`` imports no SQLAlchemy (it calls services; the database is theirs);
- ``forms/`` never imports ``printing/`` (what a document says, not how it is drawn);
- no import cycles among the modules of ``counter_app`` (also through imports inside functions);
- no module over 600 lines;
- every sub-package ships (listed in pyproject.toml's ``packages``)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import counter_app

PACKAGE = Path(counter_app.__file__).parent
ROOT = PACKAGE.parent
QT_ALLOWED = {"ui"}
QT_ALLOWED_FILES = {Path("printing") / "qt_print.py"}
MAX_LINES = 600

# Modules allowed over MAX_LINES for good, each with the reason (none today; an Alembic revision that
# creates many tables at once would be one: revisions are frozen history, never edited).
LONG_MODULES: set[Path] = set()
# Over MAX_LINES today and being split into ideas on the ``rules`` branch (issue 13, "Big files into
# ideas"); an entry goes when that split is merged, and nothing may be added here.
BEING_SPLIT = {
    Path("demo") / "generator.py",
}


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module and package of counter_app."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported(path: Path) -> set[str]:
    """Every module name an import statement of ``path`` names (top level or inside functions);
    ``from a.b import c`` names ``a.b.c`` as well as ``a.b`` (c may be a module or a name)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Module → the counter_app modules it imports (the package ``counter_app`` itself, which holds
    only the version and the app's name, is left out)."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imported(path):
            if imported in modules:
                deps.add(imported)
        # ``from counter_app.hall import hall`` names the package too; a package's __init__ is a
        # docstring, so only the module counts when both are named
        deps = {d for d in deps if not any(other.startswith(d + ".") for other in deps)}
        deps.discard(name)
        deps.discard("counter_app")
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _imports_top(path: Path, top: str) -> bool:
    return any(name == top or name.startswith(top + ".") for name in _imported(path))


def _imports_pyside(path: Path) -> bool:
    return _imports_top(path, "PySide6")


def _files(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


# --- layers --------------------------------------------------------------------------------------


def test_no_qt_outside_ui():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in QT_ALLOWED or rel in QT_ALLOWED_FILES:
            continue
        if _imports_pyside(path):
            offenders.append(str(rel))
    assert offenders == []


def test_the_check_itself_detects_qt(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from PySide6.QtCore import QObject\n")
    assert _imports_pyside(sample)


def test_ui_imports_no_sqlalchemy():
    """The window calls services; queries, sessions and driver errors stay in the domain."""
    assert [str(p.relative_to(PACKAGE)) for p in _files("ui") if _imports_top(p, "sqlalchemy")] == []


def test_forms_import_no_printing():
    assert [str(p.relative_to(PACKAGE)) for p in _files("forms") if _imports_top(p, "counter_app.printing")] == []


# --- import cycles -------------------------------------------------------------------------------


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_check_sees_a_cycle_through_a_function_level_import(tmp_path):
    a = tmp_path / "a.py"
    a.write_text("def f():\n    from counter_app.b import g\n")
    assert "counter_app.b.g" in _imported(a) and "counter_app.b" in _imported(a)
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_the_package_layout():
    graph = import_graph()
    assert "counter_app.security.permissions" in graph["counter_app.acceptance.window_context"]
    assert "counter_app.hall.hall" in graph["counter_app.acceptance.window_context"]
    # recording the trail depends on nothing that records refusals (the loop audit ↔ permissions ↔ privacy)
    assert not graph["counter_app.security.audit"] & {
        "counter_app.security.permissions", "counter_app.security.privacy"}


# --- size and packaging --------------------------------------------------------------------------


def test_no_module_over_600_lines():
    long = {path.relative_to(PACKAGE) for path in PACKAGE.rglob("*.py")
            if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES}
    assert long - LONG_MODULES - BEING_SPLIT == set()
    # an entry whose module got short (or went) goes from the lists too
    assert (LONG_MODULES | BEING_SPLIT) - long == set()


def test_every_sub_package_is_shipped():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")}
    assert packages - listed == set()
