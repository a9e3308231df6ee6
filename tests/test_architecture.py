"""Core without Qt: only counter_app/ui/ and the Qt print path in printing/ may import PySide6."""

import ast
from pathlib import Path

import counter_app

PACKAGE = Path(counter_app.__file__).parent
QT_ALLOWED = {"ui"}
QT_ALLOWED_FILES = {Path("printing") / "qt_print.py"}


def _imports_pyside(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "PySide6" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "PySide6":
            return True
    return False


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
