"""用户管理 (admins): create, change, disable, enable, unlock accounts and reset passwords.
Every button calls counter_app.security.accounts, which checks Perm.MANAGE_USERS itself (and on
PostgreSQL goes through the database's own account functions); all of it off the GUI thread.
An admin over several halls (a city/province admin) picks the hall of a new account and may show
one hall's accounts only; an admin of one hall sees neither choice (the own hall is implied)."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.printing.columns import Column
from counter_app.security import account_admin, accounts
from counter_app.security.permissions import ROLES
from counter_app.ui.kit import background
from counter_app.ui.kit.field_errors import ErrorPresenter
from counter_app.ui.kit.form_widgets import add_field, dialog_buttons, form_error_label, line_edit
from counter_app.ui.kit.modal import run_modal
from counter_app.ui.kit.table_model import RowsTableModel
from counter_app.ui.kit.widgets import FieldRow

COLUMNS = (
    Column("用户名", value=lambda a: a.username),
    Column("姓名", value=lambda a: a.name),
    Column("角色", value=lambda a: a.role_label),
    Column("默认窗口", value=lambda a: f"{a.window_no}号窗口" if a.window_no else "—"),
    Column("状态", value=lambda a: a.status_label()),
    Column("最近登录", value=lambda a: f"{a.last_login_at:%Y-%m-%d %H:%M}" if a.last_login_at else "从未登录"),
    Column("创建时间", value=lambda a: f"{a.created_at:%Y-%m-%d}"),
    Column("数据库登录名", value=lambda a: a.login or "—"),  # PostgreSQL; "—" on SQLite (one PC)
    Column("营业厅", value=lambda a: a.hall_code or NO_HALL_CELL),
)
STATUS_COLUMN = 4
HALL_COLUMN = 8
NO_HALL_CELL = "（市、省级）"
NO_HALL_CHOICE = "不属于任何营业厅（市、省级）"
ATTENTION = QColor("#c0262d")


class AccountDialog(QDialog):
    """新建用户 (with an initial password) or 修改用户 (name, role, default window)."""

    def __init__(self, db: Database, actor: Actor, halls: list[accounts.HallOption],
                 account: accounts.Account | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.account = account
        self.halls = {h.code: h for h in halls}
        self.result_account: accounts.Account | None = None
        self.setObjectName("AccountDialog")
        self.setWindowTitle("修改用户" if account else "新建用户")
        self.setMinimumWidth(460)
        self.rows: dict[str, FieldRow] = {}
        form = QFormLayout()

        self.username = line_edit(self, "username", "字母开头，如 wangxm")
        if account:
            self.username.setText(account.username)
            self.username.setReadOnly(True)
        self._add(form, "username", "用户名", self.username)
        self.name = line_edit(self, "name")
        self._add(form, "name", "姓名", self.name)
        self.role = QComboBox(self)
        self.role.setObjectName("role")
        for code, label in ROLES.items():
            self.role.addItem(label, code)
        self._add(form, "role", "角色", self.role)
        self.hall: QComboBox | None = None  # the hall of a new account, for an admin over several halls
        if len(halls) > 1 and account is None:
            self.hall = QComboBox(self)
            self.hall.setObjectName("hall")
            self.hall.addItem("请选择营业厅", None)
            for h in halls:
                self.hall.addItem(h.label, h.code)
            if actor.hall_id is None:
                self.hall.addItem(NO_HALL_CHOICE, "")
            self._add(form, "hall", "营业厅", self.hall)
            self.hall.currentIndexChanged.connect(lambda _i: self._hall_chosen())
        elif len(halls) > 1:  # an account keeps its hall
            shown = self.halls.get(account.hall_code)
            self._add(form, "hall", "营业厅", QLabel(shown.label if shown else NO_HALL_CHOICE, self))
        self.window = QComboBox(self)
        self.window.setObjectName("window")
        self._add(form, "window", "默认窗口", self.window)
        only = halls[0].code if len(halls) == 1 else None
        self._offer_windows(account.hall_code if account else only)

        self.generated = QLabel(self)
        self.generated.setObjectName("dialogHint")
        self.generated.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.generated.setWordWrap(True)
        if account is None:
            self.password = line_edit(self, "password", password=True)
            self._add(form, "password", "初始密码", self.password)
            self.password_repeat = line_edit(self, "password_repeat", password=True)
            self._add(form, "password_repeat", "再次输入初始密码", self.password_repeat)
            self.generate_button = QPushButton("随机生成初始密码", self)
            self.generate_button.setAccessibleName("随机生成初始密码")
            self.generate_button.setAutoDefault(False)
            self.generate_button.clicked.connect(self._generate)
            form.addRow("", self.generate_button)
            form.addRow("", self.generated)
            self.role.setCurrentIndex(self.role.findData("clerk"))
        else:
            self.name.setText(account.name)
            self.role.setCurrentIndex(self.role.findData(account.role))
            self.window.setCurrentIndex(max(0, self.window.findData(account.window_no)))

        self.general_error = form_error_label(self)
        self.errors = ErrorPresenter(self.rows, self.general_error)
        buttons, self.ok_button, _cancel = dialog_buttons(self, "保存", "取消")
        hint = QLabel("新用户首次登录时须修改初始密码。" if account is None else
                      "停用、启用、解除锁定和重置密码请用用户列表上方的按钮。", self)
        hint.setObjectName("dialogHint")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        (self.name if account else self.username).setFocus()

    def _add(self, form: QFormLayout, field: str, label: str, editor: QWidget) -> None:
        add_field(form, label, editor, self, self.rows, field)

    def _hall_chosen(self) -> None:
        self.rows["hall"].show_error(None)
        self._offer_windows(self.hall.currentData())

    def _offer_windows(self, hall_code: str | None) -> None:
        """The default windows on offer: those of the account's (chosen) hall."""
        kept = self.window.currentData()
        self.window.clear()
        self.window.addItem("不指定", None)
        chosen = self.halls.get(hall_code or "")
        for number, name in chosen.windows if chosen else ():
            self.window.addItem(name, number)
        self.window.setCurrentIndex(max(0, self.window.findData(kept)))

    def _generate(self) -> None:
        password = accounts.generate_password()
        self.password.setText(password)
        self.password_repeat.setText(password)
        self.rows["password"].show_error(None)
        self.rows["password_repeat"].show_error(None)
        self.generated.setText(f"初始密码：{password}　（请记下并告知本人，首次登录时须修改）")

    def accept(self) -> None:
        if background.busy(self):
            return
        self.errors.clear()
        db, actor = self.db, self.actor
        name, role, window_no = self.name.text(), self.role.currentData(), self.window.currentData()
        if self.account is None:
            if self.hall is not None and self.hall.currentData() is None:
                self.errors.show(UserError("请选择新账号所属的营业厅", field="hall"))
                return
            if self.password.text() != self.password_repeat.text():
                self.errors.show(UserError("两次输入的初始密码不一致", field="password_repeat"))
                return
            username, password = self.username.text().strip(), self.password.text()
            hall_code = (self.hall.currentData() or None) if self.hall is not None else None
            op = lambda: account_admin.create_account(db, actor, username, role=role, name=name,  # noqa: E731
                                                 password=password, window_no=window_no, hall_code=hall_code)
        else:
            username = self.account.username
            op = lambda: account_admin.update_account(db, actor, username, name=name, role=role,  # noqa: E731
                                                 window_no=window_no)
        self.ok_button.setEnabled(False)
        background.run(self, op, self._saved, self._refused, busy="正在保存…")

    def _saved(self, account: accounts.Account) -> None:
        self.ok_button.setEnabled(True)
        self.result_account = account
        super().accept()

    def _refused(self, exc: Exception) -> None:
        self.ok_button.setEnabled(True)
        if not isinstance(exc, UserError):
            raise exc
        self.errors.show(exc)


class UsersPage(QWidget):
    """The page registered as ``users`` (menu 管理, Perm.MANAGE_USERS)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.model = RowsTableModel(
            COLUMNS, parent=self,
            foreground=lambda a, col: ATTENTION if col == STATUS_COLUMN and (not a.active or a.is_locked()) else None)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(HALL_COLUMN)
        self.table = QTableView(self)
        self.table.setObjectName("usersTable")
        self.table.setAccessibleName("用户列表")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)  # Qt's default indicator sorts Z→A
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())

        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.new_action = self._action("新建用户", "Alt+N", self.new_user)
        self.edit_action = self._action("修改", "F2", self.edit_user)
        self.disable_action = self._action("停用", "Alt+D", self.disable_user)
        self.enable_action = self._action("启用", "Alt+Y", self.enable_user)
        self.unlock_action = self._action("解除锁定", "Alt+U", self.unlock_user)
        self.reset_action = self._action("重置密码", "Alt+R", self.reset_user)
        self.refresh_action = self._action("刷新", "F5", self.refresh)
        self.status = QLabel(self)
        self.status.setObjectName("dialogHint")
        self.hall_filter = QComboBox(self)  # shown to an admin over several halls
        self.hall_filter.setObjectName("hallFilter")
        self.hall_filter.setAccessibleName("按营业厅筛选")
        self.hall_filter.setMinimumContentsLength(16)
        self.hall_filter.currentIndexChanged.connect(lambda _i: self._filter_hall())
        self.hall_filter_label = QLabel("营业厅：", self)
        self.hall_filter_label.setBuddy(self.hall_filter)

        top = QHBoxLayout()
        title = QLabel("用户管理", self)
        title.setObjectName("dialogTitle")
        top.addWidget(title)
        top.addSpacing(24)
        top.addWidget(self.hall_filter_label)
        top.addWidget(self.hall_filter)
        top.addStretch(1)
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.halls: list[accounts.HallOption] = []
        self.several_halls = False
        self._set_hall_filter([])
        self.refresh()

    def _action(self, text: str, shortcut: str, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        action.setToolTip(f"{text}（{shortcut}）")
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)
        self.toolbar.addAction(action)
        button = self.toolbar.widgetForAction(action)
        if button is not None:
            button.setAccessibleName(text)
        return action

    def activate(self) -> None:
        self.refresh()
        self.table.setFocus()

    # --- data -------------------------------------------------------------------------------------

    def refresh(self, select_username: str | None = None, note: str = "") -> None:
        """Read the accounts (and the windows the account dialog offers) in the background."""
        current = select_username or (self.selected().username if self.selected() else None)
        db, actor = self.db, self.actor

        def load():
            return account_admin.list_accounts(db, actor), accounts.account_halls(db, actor)

        background.run(self, load, lambda result: self._show(*result, current, note), self._unavailable,
                       busy="正在读取用户列表…")

    def _unavailable(self, exc: Exception) -> None:
        if not isinstance(exc, UserError):
            raise exc
        self.status.setText(f"用户列表暂不可用：{exc}")

    def _show(self, rows: list[accounts.Account], halls: list[accounts.HallOption], current: str | None,
              note: str) -> None:
        if halls != self.halls:
            self._set_hall_filter(halls)
        self.halls = halls
        self.model.set_rows(rows)
        now = clock.now()
        active = sum(1 for a in rows if a.active)
        locked = sum(1 for a in rows if a.is_locked(now))
        self.status.setText(note or f"共 {len(rows)} 个账号，启用 {active} 个" + (f"，锁定 {locked} 个" if locked else ""))
        if current:
            for row, account in enumerate(self.model.rows):
                if account.username == current:
                    self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        self._update_actions()

    def _set_hall_filter(self, halls: list[accounts.HallOption]) -> None:
        """全部营业厅, each hall, and the accounts of no hall; hidden for an admin of one hall."""
        kept = self.hall_filter.currentData()
        self.hall_filter.blockSignals(True)
        self.hall_filter.clear()
        self.hall_filter.addItem("全部营业厅", None)
        for h in halls:
            self.hall_filter.addItem(h.label, h.code)
        self.hall_filter.addItem(NO_HALL_CHOICE, NO_HALL_CELL)
        self.hall_filter.setCurrentIndex(max(0, self.hall_filter.findData(kept)))
        self.hall_filter.blockSignals(False)
        self.several_halls = len(halls) > 1
        self.hall_filter.setVisible(self.several_halls)
        self.hall_filter_label.setVisible(self.several_halls)
        self._filter_hall()

    def _filter_hall(self) -> None:
        shown = self.hall_filter.currentData() if self.several_halls else None
        self.proxy.setFilterRegularExpression(
            QRegularExpression(f"^{QRegularExpression.escape(shown)}$") if shown else QRegularExpression())

    def selected(self) -> accounts.Account | None:
        indexes = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not indexes:
            return None
        return self.model.row(self.proxy.mapToSource(indexes[0]).row())

    def select_username(self, username: str) -> None:
        self.refresh(select_username=username)

    def _update_actions(self) -> None:
        a = self.selected()
        self.edit_action.setEnabled(a is not None)
        self.disable_action.setEnabled(a is not None and a.active and a.id != self.actor.user_id)
        self.enable_action.setEnabled(a is not None and not a.active)
        self.unlock_action.setEnabled(a is not None and a.is_locked())
        self.reset_action.setEnabled(a is not None)

    # --- actions ----------------------------------------------------------------------------------

    def new_user(self) -> None:
        dialog = AccountDialog(self.db, self.actor, self.halls, parent=self)
        if run_modal(dialog) == QDialog.Accepted:
            created = dialog.result_account
            if self.hall_filter.currentData() not in (None, created.hall_code or NO_HALL_CELL):
                self.hall_filter.setCurrentIndex(0)  # the new account is shown whichever hall was listed
            self.refresh(select_username=created.username)

    def edit_user(self) -> None:
        a = self.selected()
        if a is None:
            return
        dialog = AccountDialog(self.db, self.actor, self.halls, account=a, parent=self)
        if run_modal(dialog) == QDialog.Accepted:
            self.refresh(select_username=a.username)

    def _confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Question, title, text, parent=self)
        yes = box.addButton("确定", QMessageBox.AcceptRole)
        box.addButton("取消", QMessageBox.RejectRole)
        box.setDefaultButton(yes)
        box.exec()
        return box.clickedButton() is yes

    def _run(self, call, username: str, note: str, shown=None) -> None:
        """One account change in the background; a refusal (rule, permission, database) is shown."""
        def done(result) -> None:
            self.refresh(select_username=username, note=note)
            if shown is not None:
                shown(result)

        def failed(exc: Exception) -> None:
            if not isinstance(exc, UserError):
                raise exc
            QMessageBox.warning(self, "无法完成", str(exc))
            self.refresh()

        background.run(self, call, done, failed, busy="正在处理…")

    def disable_user(self) -> None:
        a = self.selected()
        if a and self._confirm("停用用户", f"停用 {a.name}（{a.username}）后，该账号不能再登录，历史记录保留。确定停用？"):
            db, actor = self.db, self.actor
            self._run(lambda: account_admin.disable_account(db, actor, a.username), a.username,
                      f"已停用 {a.name}（{a.username}）")

    def enable_user(self) -> None:
        a = self.selected()
        if a:
            db, actor = self.db, self.actor
            self._run(lambda: account_admin.enable_account(db, actor, a.username), a.username,
                      f"已启用 {a.name}（{a.username}）")

    def unlock_user(self) -> None:
        a = self.selected()
        if a:
            db, actor = self.db, self.actor
            self._run(lambda: account_admin.unlock_account(db, actor, a.username), a.username,
                      f"已解除 {a.name}（{a.username}）的锁定")

    def reset_user(self) -> None:
        a = self.selected()
        if not a or not self._confirm(
                "重置密码", f"为 {a.name}（{a.username}）生成一个临时密码？原密码将失效，本人下次登录时须修改。"):
            return
        db, actor = self.db, self.actor
        self._run(lambda: account_admin.reset_password(db, actor, a.username), a.username,
                  f"已重置 {a.name}（{a.username}）的密码", lambda password: self._show_temporary(a, password))

    def _show_temporary(self, a: accounts.Account, password: str) -> None:
        self.last_temporary_password = password
        box = QMessageBox(QMessageBox.Information, "临时密码",
                          f"{a.name}（{a.username}）的临时密码：\n\n{password}\n\n"
                          "请当面告知本人；本人登录后须立即修改。此密码不会再次显示。", parent=self)
        box.setObjectName("temporaryPasswordBox")
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)
        box.exec()
