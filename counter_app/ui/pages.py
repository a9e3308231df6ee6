"""The pages of the main window: which widget, for whom, under which menu and shortcut.

Pages are imported lazily (on first show) so the window opens fast; a page's class takes
``(db, actor, parent=None)``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from counter_app.security.permissions import Perm


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
    PageSpec("accept", "受理", "counter_app.ui.acceptance_page:AcceptancePage", "业务", "Ctrl+N", Perm.ACCEPT),
    PageSpec("find", "查询", "counter_app.ui.find_page:FindPage", "查询", "Ctrl+F", Perm.VIEW_APPLICATION),
    PageSpec("documents", "单据打印", "counter_app.ui.print_page:DocumentsPage", "业务", "F9", Perm.PRINT),
    PageSpec("progress", "进度查询", "counter_app.ui.progress_page:ProgressPage", "查询", "Ctrl+G",
             Perm.VIEW_APPLICATION),
    PageSpec("warnings", "时限预警", "counter_app.ui.warnings_page:WarningsPage", "查询", "Ctrl+Shift+W",
             Perm.VIEW_APPLICATION),
    PageSpec("deferrals", "容缺跟踪", "counter_app.ui.deferrals_page:DeferralsPage", "业务", "Ctrl+Shift+D",
             Perm.VIEW_APPLICATION),
    PageSpec("exchange", "营销系统数据交换", "counter_app.ui.exchange_page:ExchangePage", "管理", "",
             Perm.EXCHANGE),
    PageSpec("handover", "交接清单", "counter_app.ui.handover_page:HandoverPage", "业务", "Ctrl+Shift+J",
             Perm.HANDOVER),
    PageSpec("handover_receive", "交接接收", "counter_app.ui.handover_receive_page:HandoverReceivePage", "业务",
             "Ctrl+Shift+K", Perm.RECEIVE_HANDOVER),
    PageSpec("registers", "台账", "counter_app.ui.registers_page:RegistersPage", "台账", "Ctrl+Shift+T",
             Perm.VIEW_REGISTERS),
    PageSpec("users", "用户管理", "counter_app.ui.users_page:UsersPage", "管理", "Ctrl+Shift+U", Perm.MANAGE_USERS),
    PageSpec("audit", "审计日志", "counter_app.ui.audit_page:AuditPage", "管理", "Ctrl+Shift+A", Perm.VIEW_AUDIT),
    # signed documents (issue 18)
    PageSpec("seal", "电子签章证书", "counter_app.ui.seal_page:SealPage", "管理", "", Perm.MANAGE_SETTINGS),
    # the customer's side: 差评 follow-ups (issue 17)
    # the supervisor's 总览 and 红黄牌 (issue 16)
    PageSpec("overview", "总览", "counter_app.ui.overview_page:OverviewPage", "台账", "Ctrl+Shift+V",
             Perm.VIEW_OVERVIEW),
    PageSpec("quality_cards", "红黄牌", "counter_app.ui.quality_cards_page:QualityCardsPage", "台账", "Ctrl+Shift+R",
             Perm.VIEW_OWN_QUALITY_CARDS),
    PageSpec("rating_followups", "差评整改", "counter_app.ui.followups_page:FollowUpsPage", "台账", "Ctrl+Shift+E",
             Perm.FOLLOW_UP_RATINGS),
]
