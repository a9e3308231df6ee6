"""Run in a subprocess on an offscreen screen of a given size (see test_screen_fit): opens the main
window for each role and the app's dialogs, prints their outer sizes and the usable area as JSON."""

from __future__ import annotations

import json
import os
import sys
import tempfile

os.environ.setdefault("COUNTER_APP_DATA_DIR", tempfile.mkdtemp())

from PySide6.QtWidgets import QFileDialog  # noqa: E402

from counter_app.infra import schema_upgrade as schema  # noqa: E402
from counter_app.infra.db import Database, make_engine  # noqa: E402
from counter_app.security import accounts  # noqa: E402
from counter_app.ui.app import make_application  # noqa: E402
from counter_app.ui.kit.screen_fit import available_area  # noqa: E402
from tests.conftest import setup_hall  # noqa: E402
from tests.factories import add_case  # noqa: E402


def main() -> None:
    path = os.path.join(tempfile.mkdtemp(), "hall.sqlite3")
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    db = Database.from_url(f"sqlite:///{path}")
    actors = setup_hall(db)
    app = make_application()
    case = add_case(db, actors["clerk1"], deferred=("property_proof",))
    from counter_app.ui.acceptance_capacity import EquipmentDialog
    from counter_app.ui.documents_dialog import DocumentsDialog
    from counter_app.ui.kit import file_dialogs
    from counter_app.ui.kit.progress_view import ProgressDialog
    from counter_app.ui.kit.reason_dialog import ReasonDialog
    from counter_app.ui.login_dialog import LoginDialog, PcSettings
    from counter_app.ui.main_window import MainWindow
    from counter_app.ui.password_dialog import PasswordDialog
    from counter_app.ui.quality_cards_page import IssueCardDialog
    from counter_app.ui.settings_dialog import SettingsDialog
    from counter_app.ui.setup_dialog import SetupDialog
    from counter_app.ui.stage_dialog import StageDialog

    result = {}
    widgets = {f"MainWindow/{role}": MainWindow(db, actors[role]) for role in ("clerk1", "back1", "super1", "admin1")}
    widgets.update({
        "DocumentsDialog": DocumentsDialog(db, actors["clerk1"], case),
        "ProgressDialog": ProgressDialog(db, actors["clerk1"], case),
        "StageDialog": StageDialog(db, actors["back1"], case),
        "SettingsDialog": SettingsDialog(db, actors["admin1"]),
        "EquipmentDialog": EquipmentDialog("制造业"),
        "LoginDialog": LoginDialog(db, accounts.start_info(db), PcSettings(), pc="PC-1"),
        "SetupDialog": SetupDialog(db, pc="PC-1"),
        "PasswordDialog": PasswordDialog(db, actors["clerk1"]),
        "ReasonDialog": ReasonDialog("单据未打印", "以下申请的单据从未打印：" + "、".join(["FZGL01-20261124-0001"] * 6),
                                     label="未打印原因(&R)："),
        "IssueCardDialog": IssueCardDialog(db, actors["super1"], [("clerk1", "王小明（受理员）")]),
        "FileDialog": file_dialogs.make_dialog(None, "导出", tempfile.gettempdir(), "Excel 工作簿 (*.xlsx)",
                                               QFileDialog.AnyFile, save=True),
    })
    for name, widget in widgets.items():
        widget.show()
        app.processEvents()
        size = widget.size()
        result[name] = [size.width(), size.height()]
        if name == "MainWindow/clerk1":
            form = widget.page("accept").view.form
            app.processEvents()
            result["acceptance_form_min_width"] = form.minimumSizeHint().width()
            result["acceptance_scroll_width"] = widget.page("accept").view.scroll.viewport().width()
    area = available_area()
    result["area"] = [area.width(), area.height()]
    for widget in widgets.values():
        widget.hide()
    print("RESULT " + json.dumps(result))
    sys.stdout.flush()
    os._exit(0)  # skip the teardown of dozens of widgets: only the sizes matter


if __name__ == "__main__":
    main()
