"""The pages of the main window: which widget, for whom, under which menu and shortcut.

Pages are imported lazily (on first show) so the window opens fast; a page's class takes
``(db, actor, parent=None)``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from counter_app.permissions import Perm


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    target: str  # "module:Class"
    menu: str  # 业务 | 查询 | 台账 | 管理
    shortcut: str = ""
    perm: Perm | None = None

    def load(self):
        module_name, class_name = self.target.split(":")
        return getattr(importlib.import_module(module_name), class_name)


PAGES: list[PageSpec] = [
    PageSpec("users", "用户管理", "counter_app.ui.users_page:UsersPage", "管理", "Ctrl+Shift+U", Perm.MANAGE_USERS),
    PageSpec("audit", "审计日志", "counter_app.ui.audit_page:AuditPage", "管理", "Ctrl+Shift+J", Perm.VIEW_AUDIT),
]


def available(pages: list[PageSpec] | None = None) -> list[PageSpec]:
    """Pages whose module is present in this build (features land one by one)."""
    result = []
    for spec in pages if pages is not None else PAGES:
        module_name = spec.target.split(":")[0]
        if importlib.util.find_spec(module_name) is not None:
            result.append(spec)
    return result
