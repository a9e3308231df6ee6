"""The guard: everything built is reachable. Each role signs in to the real main window; every menu
entry is triggered and every page opened; the pages and dialogs seen, plus what their code opens,
must cover every page and dialog class under counter_app/ui/. Shortcuts are unique where they are
live, none is dead, and every shortcut a button promises exists."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QWidget

import counter_app.ui
from counter_app.ui.app import SignedInSession
from counter_app.ui.kit import background
from counter_app.ui.main_window import MainWindow
from counter_app.ui.menu_dialogs import DIALOGS
from counter_app.ui.pages import PAGES
from counter_app.ui.shortcut_map import advertised_keys, ambiguous, has_receiver, window_shortcuts
from tests.conftest import setup_hall

UI_DIR = Path(counter_app.ui.__file__).parent
ROLES = ("clerk1", "back1", "super1", "admin1")
# Account actions that end or lock the session: checked for a receiver, not triggered in the walk.
NOT_TRIGGERED = {"退出登录", "锁定屏幕"}
# Widget classes that are parts of others and need no menu entry of their own (each with a reason).
ALLOWED_UNREACHED: dict[str, str] = {}
# Entry points outside the main window: the start of day (sign-in, set-up, forced password change).
STATIC_ROOTS = {("counter_app.ui.app", "run"), ("counter_app.ui.main_window", "MainWindow")}
WIDGET_BASES = {"QWidget", "QDialog", "QFrame", "QMainWindow", "QLabel", "QGroupBox"}


# --- what the code under ui/ defines and references -------------------------------------------------


def _modules() -> dict[str, ast.Module]:
    return {f"counter_app.ui.{p.stem}": ast.parse(p.read_text(encoding="utf-8")) for p in UI_DIR.glob("*.py")}


def _imports(tree: ast.Module) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    names, modules = {}, {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module == "counter_app.ui":
                    modules[local] = f"counter_app.ui.{alias.name}"
                else:
                    names[local] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name] = alias.name
    return names, modules


def _graph():
    """(definitions → referenced definitions, widget classes) over top-level defs of ui/ modules."""
    trees = _modules()
    defs = {(m, n.name): n for m, t in trees.items() for n in t.body
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Assign | ast.AnnAssign) and hasattr(n, "name")}
    for m, t in trees.items():  # module-level tables such as DIALOGS = [...]
        for n in t.body:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name):
                    defs[(m, target.id)] = n
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for (m, name), node in defs.items():
        imported, modules = _imports(trees[m])
        refs = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                if (m, sub.id) in defs:
                    refs.add((m, sub.id))
                elif sub.id in imported:
                    refs.add(imported[sub.id])
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in modules:
                refs.add((modules[sub.value.id], sub.attr))
        edges[(m, name)] = refs
    widget_classes = set()
    changed = True
    while changed:  # subclasses of Qt widgets and of widget classes defined here
        changed = False
        for (m, name), node in defs.items():
            if not isinstance(node, ast.ClassDef) or (m, name) in widget_classes:
                continue
            imported, _ = _imports(trees[m])
            for base in node.bases:
                base_name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
                target = (m, base_name) if (m, base_name) in defs else imported.get(base_name)
                if base_name in WIDGET_BASES or target in widget_classes:
                    widget_classes.add((m, name))
                    changed = True
    return edges, widget_classes


def _closure(roots, edges):
    seen, todo = set(), list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(edges.get(node, ()))
    return seen


# --- the walk through the real window ------------------------------------------------------------------


def _menu_actions(window):
    result = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu) and top.isVisible():
            result += [(top.text(), a) for a in menu.actions() if not a.isSeparator()]
    return result


def _settle(qtbot):
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=15_000)
    QApplication.processEvents()


def _open_dialogs():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


@pytest.fixture
def walked(qtbot, sqlite_db, monkeypatch):
    """Per role: the page/dialog classes reached, the shortcut problems found."""
    actors = setup_hall(sqlite_db)
    executed: list[type] = []

    def fake_exec(self):
        executed.append(type(self))
        return QDialog.Rejected

    monkeypatch.setattr(QDialog, "exec", fake_exec)
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a: executed.append(QMessageBox)))
    result = {}
    for username in ROLES:
        actor = actors[username]
        window = MainWindow(sqlite_db, actor)
        qtbot.addWidget(window)
        window.show()
        session = SignedInSession(sqlite_db, actor, window, idle_minutes=600)
        reached: set[type] = set()
        problems: list[str] = []
        opened_entries: set[str] = set()
        for menu_name, action in _menu_actions(window):
            name = action.text()
            if not has_receiver(action):
                problems.append(f"{username}: 菜单“{menu_name} → {name}”没有任何功能")
            if name in NOT_TRIGGERED:
                continue
            action.trigger()
            _settle(qtbot)
            opened_entries.add(name)
            for dialog in _open_dialogs():
                reached.add(type(dialog))
                dialog.close()
            QApplication.processEvents()
        reached.update(executed)
        executed.clear()
        for key in window.page_keys():
            page = window.page(key)
            _settle(qtbot)
            reached.add(type(page))
            title = window.tabs.tabText(window.tabs.currentIndex())
            live = window_shortcuts(window, page, title)
            for keys, names in ambiguous(live).items():
                problems.append(f"{username}: {keys} 重复：{'、'.join(names)}")
            for s in live:
                if not has_receiver(s.action):
                    problems.append(f"{username}: {s.scope} 的快捷键 {s.keys}（{s.name}）没有任何功能")
            bound = {k for s in live for k in s.keys}
            for keys, button in advertised_keys(page).items():
                if keys not in bound:
                    problems.append(f"{username}: {title} 的按钮“{button}”标注了 {keys}，但该快捷键无效")
        result[username] = (reached, problems, opened_entries, set(window.page_keys()), window)
        session.idle.stop()
    yield result
    for _reached, _problems, _entries, _pages, window in result.values():
        window.hide()


def test_every_page_and_dialog_is_reachable_by_some_role(walked):
    reached = {(cls.__module__, cls.__qualname__) for r in walked.values() for cls in r[0]}
    edges, widget_classes = _graph()
    reachable = _closure(reached | STATIC_ROOTS, edges)
    unreached = sorted(f"{m}:{c}" for m, c in widget_classes - reachable if c not in ALLOWED_UNREACHED)
    assert not unreached, f"没有任何角色能打开：{unreached}"
    assert ("counter_app.ui.settings_dialog", "SettingsDialog") in reached  # opened, not only referenced
    every_page = {spec.key for spec in PAGES}
    assert every_page <= set().union(*(r[3] for r in walked.values()))
    opened = set().union(*(r[2] for r in walked.values()))
    assert {spec.title for spec in DIALOGS} <= opened


def test_no_ambiguous_dead_or_false_shortcuts(walked):
    problems = [p for r in walked.values() for p in r[1]]
    assert not problems, "\n".join(problems)


def test_guard_sees_a_double_binding_and_a_dead_key(qtbot, sqlite_db):
    """The checks themselves: the two faults this guard was written for are caught."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    actors = setup_hall(sqlite_db)
    window = MainWindow(sqlite_db, actors["clerk1"])
    qtbot.addWidget(window)
    page = QWidget()
    qtbot.addWidget(page)
    QVBoxLayout(page).addWidget(QPushButton("打印交接清单(Ctrl+Shift+P)", page))
    clash = QAction("生成交接批次", page)
    clash.setShortcut(QKeySequence("Ctrl+G"))
    clash.triggered.connect(lambda: None)
    page.addAction(clash)
    dead = QAction("什么也不做", page)
    dead.setShortcut(QKeySequence("Ctrl+Shift+Y"))
    page.addAction(dead)
    live = window_shortcuts(window, page, "交接清单")
    assert "Ctrl+G" in ambiguous(live)
    assert [s.name for s in live if not has_receiver(s.action)] == ["什么也不做"]
    assert "Ctrl+Shift+P" in advertised_keys(page)
