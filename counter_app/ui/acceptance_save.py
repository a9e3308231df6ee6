"""Saving an acceptance: checked, saved in the background, the number shown and the documents
offered; a failed save keeps the form and offers a retry; editing an accepted application, and a
colleague's newer save reported with what they changed (take theirs or overwrite). A part of
:class:`counter_app.ui.acceptance_page.AcceptancePage`, whose state it uses."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import AcceptanceInput, changed_fields, high_voltage_counterpart
from counter_app.acceptance.input_checks import validate
from counter_app.infra import clock
from counter_app.infra.errors import DatabaseUnavailable, StaleEdit, UserError, ValidationFailed
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import pc_settings

log = logging.getLogger(__name__)


class SaveFlow:
    # --- save -----------------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: check, then save in the background; the form stays as typed whatever happens."""
        if self.busy:
            return
        inp = self.collect()
        known = self.known
        errors: dict[str, str] = {}
        try:
            validate(
                inp,
                today=clock.today(),
                on_file=known.on_file if known else {},
                blacklisted=bool(known and known.blacklisted),
                cat=self.cat,
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
        for code, message in self._material_conflicts.items():
            errors.setdefault(f"material.{code}", message)
        if "supply_voltage" in errors and self._offer_high_voltage(inp, errors["supply_voltage"]):
            return
        if errors:
            self.show_errors(errors)
            return
        self._clear_errors()
        self.write_draft()
        self._start_save(inp)

    def _start_save(self, inp: AcceptanceInput) -> None:
        self._set_busy(True, "正在保存到数据库…")
        if self.mode == "edit":
            app_id, version = self.application_id, self.version
            work = lambda: acceptance.update(self.db, self.actor, app_id, version, inp)  # noqa: E731
        else:
            key = self.draft_key  # drawn when the form was opened: a retried save finds its application
            work = lambda: acceptance.save(self.db, self.actor, inp, form_key=key)  # noqa: E731
        background.run(
            self, work, lambda result: self._saved(result, inp), lambda exc: self._save_failed(exc, inp)
        )

    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        focus = self.focusWidget()
        self.view.form.setEnabled(not busy)
        self.view.save_button.setEnabled(not busy)
        self.view.clear_button.setEnabled(not busy)
        self.view.next_button.setEnabled(not busy)
        if message:
            self.view.status.setText(message)
        if busy:
            self._focus_before_busy = focus
        elif getattr(self, "_focus_before_busy", None) is not None:
            try:
                self._focus_before_busy.setFocus(Qt.OtherFocusReason)
            except RuntimeError:
                pass

    def _saved(self, result: acceptance.SaveResult, inp: AcceptanceInput) -> None:
        self._set_busy(False)
        first_save = self.mode == "new"
        self.mode, self.application_id, self.version = "edit", result.application_id, result.version
        self.number, self.saved_result = result.number, result
        self._loaded_input = inp
        self._forget_lookups(inp.cert_type, inp.cert_number)
        self._pristine = self._snapshot()
        self.drafts.remove(self.draft_key)
        settings = pc_settings()
        settings.setValue("acceptance/business_type", inp.business_type)
        if inp.address_district.strip():
            settings.setValue("acceptance/district", inp.address_district.strip())
        settings.sync()
        lines = [f"{'已受理' if first_save else '已保存修改'}：申请编号 {result.number}"]
        if result.deferred:
            lines.append(
                "容缺：" + "；".join(f"{name}应于 {day:%Y-%m-%d} 前补交" for name, day in result.deferred)
            )
        if result.due_date:
            lines.append(f"全流程时限 {result.due_date:%Y-%m-%d}")
        if first_save and result.counter_seconds is not None:
            minutes, seconds = divmod(result.counter_seconds, 60)
            lines.append(f"窗口用时 {minutes}分{seconds:02d}秒")
        lines.extend(result.warnings)
        text = "。".join(lines) + "。"
        self.view.banner.show_message(
            "success",
            text,
            rich=text.replace(
                result.number, f"<span style='font-size:15pt; font-weight:bold'>{result.number}</span>", 1
            ),
        )
        refresh = getattr(self.window(), "refresh_figures", None)
        if callable(refresh):  # the main window's "today's acceptances" count
            refresh()
        self.view.print_button.setVisible(True)
        self.view.status.setText("按空格键打印单据，按 Ctrl+N 办理下一笔；如需更正可直接修改后再按 Ctrl+S")
        self.saved.emit(result.application_id)
        self.view.print_button.setFocus(Qt.OtherFocusReason)

    def _save_failed(self, exc: BaseException, inp: AcceptanceInput) -> None:
        self._set_busy(False)
        self.write_draft()
        v = self.view
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
        elif isinstance(exc, StaleEdit):
            self._stale(exc, inp)
        elif isinstance(exc, DatabaseUnavailable):
            v.banner.show_message(
                "error",
                f"保存未成功：{exc}\n您输入的内容都已保留（本机草稿已保存），恢复连接后点“重试保存”。",
                [("重试保存", self.save)],
            )
            v.status.setText("保存未成功，输入已保留")
            v.banner.button("重试保存").setFocus(Qt.OtherFocusReason)
        elif isinstance(exc, UserError):
            v.banner.show_message("error", f"保存未成功：{exc}（输入已保留）", [("重试保存", self.save)])
            v.status.setText("保存未成功，输入已保留")
        else:
            log.exception("acceptance save failed", exc_info=exc)
            v.banner.show_message(
                "error",
                f"保存时发生内部错误（{type(exc).__name__}: {exc}）。输入已保留在本机草稿中，"
                "可重试；如反复出现请联系管理员。",
                [("重试保存", self.save)],
            )
            v.status.setText("保存未成功，输入已保留")

    # --- edit and stale edits -------------------------------------------------------------------

    def edit_application(self, application_id: int) -> None:
        """Open an application for editing (while at 受理) or to look at it."""
        if self.busy:
            return
        if (
            self.is_dirty()
            and self.saved_result is None
            and not self._confirm("打开申请", "当前表单有未保存的内容（已存为本机草稿）。仍要打开该申请吗？")
        ):
            return

        def done(loaded: acceptance.LoadedApplication) -> None:
            self._set_busy(False)
            self._show_loaded(loaded)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.view.banner.show_message(
                "error", f"无法打开该申请：{exc}", [("重试", lambda: self.edit_application(application_id))]
            )

        self._set_busy(True, "正在打开申请…")
        background.run(
            self, lambda: acceptance.load(self.db, self.actor, application_id), done, failed
        )

    def _show_loaded(self, loaded: acceptance.LoadedApplication) -> None:
        self.new_form(focus=False)
        self.known = None
        self.fill(loaded.input)
        self.mode, self.application_id, self.version = "edit", loaded.application_id, loaded.version
        self.number, self._loaded_input = loaded.number, loaded.input
        self.saved_result = None
        self._forget_lookups(loaded.input.cert_type, loaded.input.cert_number)
        self._pristine = self._snapshot()
        self._set_editable_certificate(loaded.editable)
        who = f"{loaded.clerk_name}（{loaded.window_no}号窗口）" if loaded.window_no else loaded.clerk_name
        when = f"{loaded.accepted_at:%Y-%m-%d %H:%M}"
        if loaded.editable:
            self.view.banner.show_message(
                "info",
                f"正在修改申请 {loaded.number}（{when} 由{who}受理，当前在受理环节）。"
                "修改后按 Ctrl+S 保存，已打印的单据需重新打印。",
            )
        else:
            stage = self.cat.stage_name(loaded.stage)
            self.view.banner.show_message(
                "warning", f"申请 {loaded.number} 已进入“{stage}”环节，只能查看，不能修改。"
            )
        self.view.status.setText("")
        self.view.print_button.setVisible(True)
        self.focus_first_empty() if loaded.editable else self.view.next_button.setFocus()

    def _set_editable_certificate(self, editable: bool) -> None:
        self.view.form.setEnabled(editable)
        self.view.save_button.setEnabled(editable)
        self.view.read_button.setEnabled(editable)

    def _stale(self, exc: StaleEdit, inp: AcceptanceInput) -> None:
        """A colleague saved first: say what they changed, keep ours, let the clerk decide."""
        v = self.view

        def show(latest: acceptance.LoadedApplication | None) -> None:
            changed = ""
            if latest is not None and self._loaded_input is not None:
                names = changed_fields(self._loaded_input, latest.input)
                if names:
                    changed = "对方修改了：" + "、".join(names) + "。"
            self._latest = latest
            actions = [("以我的内容重新保存", self._overwrite), ("载入最新内容", self._take_latest)]
            v.banner.show_message("error", f"{exc}{changed}", actions)
            v.status.setText("有人先保存了这份申请，您的输入已保留")
            v.banner.button("以我的内容重新保存").setFocus(Qt.OtherFocusReason)

        background.run(
            self,
            lambda: acceptance.load(self.db, self.actor, self.application_id),
            show,
            lambda _e: show(None),
        )

    _latest: acceptance.LoadedApplication | None = None

    def _overwrite(self) -> None:
        latest = self._latest
        if latest is None:
            self.save()
            return
        if not latest.editable:
            self.view.banner.show_message("error", f"申请 {latest.number} 已离开受理环节，不能再修改。")
            return
        self.version = latest.version
        self._loaded_input = latest.input
        self.save()

    def _take_latest(self) -> None:
        latest = self._latest
        if latest is not None and self._confirm(
            "载入最新内容", "将放弃您本次的修改，载入对方保存的内容。确定吗？"
        ):
            self.drafts.remove(self.draft_key)
            self._show_loaded(latest)

    def _offer_high_voltage(self, inp: AcceptanceInput, message: str) -> bool:
        """A low-voltage type with a high-voltage supply: offer the high-voltage type, input kept."""
        target = high_voltage_counterpart(inp.business_type)
        if target is None:
            return False
        name = self.cat.business_name(target)
        if not self._confirm("改为高压业务", f"{message}。\n\n改为“{name}”并保留已填写的内容吗？"):
            return False
        v = self.view
        v.business_type.setCurrentIndex(v.business_type.findData(target))
        self.view.status.setText(f"已改为“{name}”：请补充高压业务所需的项目名称、负荷重要性等，再按 Ctrl+S 保存")
        return True
