"""Nothing typed is lost: every change is checked at its field and written to a local draft (one
per form, held by a lock file so two windows never write the same one); drafts left by a crash are
offered back. A part of :class:`counter_app.ui.acceptance_page.AcceptancePage`, whose state it uses."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLockFile

from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.acceptance.input_checks import validate
from counter_app.infra import clock
from counter_app.infra.errors import ValidationFailed
from counter_app.ui.kit.widgets import editor_text

log = logging.getLogger(__name__)


class DraftsPart:
    # --- changes, errors, drafts ----------------------------------------------------------------

    def _field_edited(self, code: str) -> None:
        row = self.view.rows.get(code)
        if row is not None and not self._filling and code != "cert_number":
            row.show_error(None)
        self._changed()

    def _check_field(self, code: str) -> None:
        """On leaving a field: its own message, right away (other fields are not judged yet)."""
        if self._filling or code == "cert_number":
            return
        inp = self.collect()
        text = editor_text(self.editors[code])
        if not text:
            return
        try:
            validate(inp, today=clock.today(), cat=self.cat)
        except ValidationFailed as exc:
            message = exc.errors.get(code)
            if message:
                self.view.rows[code].show_error(message)

    def _changed(self, *_args) -> None:
        if self._filling:
            return
        if self.saved_result is not None and self.is_dirty() and self.mode == "edit":
            self.view.status.setText(f"正在修改已受理的申请 {self.number}，按 Ctrl+S 保存修改")
        self._draft_timer.start()
        self.formChanged.emit()

    def draft_payload(self) -> tuple[dict, str]:
        """What a draft (or a held form) of the form on screen holds, and its one-line summary."""
        inp = self.collect()
        bt = self.cat.business_name(inp.business_type)
        summary = " · ".join(x for x in (inp.holder_name.strip() or "（未填姓名）", bt, self.number) if x)
        return {
            "form": inp.to_dict(),
            "mode": self.mode,
            "application_id": self.application_id,
            "version": self.version,
            "number": self.number,
            "loaded": self._loaded_input.to_dict() if self._loaded_input else None,
        }, summary

    def write_draft(self) -> None:
        """Keep the form on disk (or drop the draft when nothing is left to lose)."""
        try:
            if not self.is_dirty():
                self.drafts.remove(self.draft_key)
                return
            data, summary = self.draft_payload()
            self.drafts.save(self.draft_key, data, username=self.actor.username, window_no=self.actor.window_no,
                             summary=summary)
        except OSError as exc:
            self.view.status.setText(f"本机草稿无法写入（{exc}），请尽快保存")

    def _take_draft_key(self, key: str) -> None:
        """The draft file this form writes, locked so a second instance does not offer it."""
        if self._draft_lock is not None:
            self._draft_lock.unlock()
        self.draft_key = key
        self._draft_lock = QLockFile(str(self.drafts.path(key)) + ".lock")
        self._draft_lock.setStaleLockTime(0)  # stale only when its process is gone
        self._draft_lock.tryLock(0)

    def _draft_in_use(self, key: str) -> bool:
        if key == self.draft_key:
            return True
        lock = QLockFile(str(self.drafts.path(key)) + ".lock")
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            lock.unlock()
            return False
        return True

    def _offer_drafts(self) -> None:
        self._pending_drafts = [d for d in self.drafts.list(self.actor.username)
                                if not self._draft_in_use(d.key) and not d.data.get("held")]  # held: 挂起 list
        if self._pending_drafts:
            self._show_draft_offer()

    def _show_draft_offer(self) -> None:
        draft = self._pending_drafts[0]
        more = f"（共 {len(self._pending_drafts)} 份）" if len(self._pending_drafts) > 1 else ""
        self.view.banner.show_message(
            "warning",
            f"发现上次未保存的受理草稿{more}：{draft.label()}",
            [("恢复草稿", self.restore_draft), ("丢弃草稿", self.discard_draft)],
        )

    def restore_draft(self) -> None:
        if not self._pending_drafts:
            return
        draft = self._pending_drafts.pop(0)
        data = draft.data
        self.new_form(focus=False)
        self.fill(AcceptanceInput.from_dict(data.get("form") or {}))
        if data.get("mode") == "edit" and data.get("application_id"):
            self.mode, self.application_id = "edit", int(data["application_id"])
            self.version, self.number = data.get("version"), data.get("number") or ""
            loaded = data.get("loaded")
            self._loaded_input = AcceptanceInput.from_dict(loaded) if loaded else None
            self._set_editable_certificate(True)
        self.drafts.remove(draft.key)
        self._take_draft_key(draft.key)
        self._pristine = {}  # restored input is unsaved input
        self.write_draft()
        cert = self.view.cert_number.text()
        if cert:
            self._cert_changed(final=True)
        if self._pending_drafts:
            self._show_draft_offer()
        else:
            what = f"申请 {self.number} 的修改" if self.mode == "edit" else "受理内容"
            self.view.banner.show_message("info", f"已恢复草稿中的{what}，核对后按 Ctrl+S 保存")
        self.focus_first_empty()

    def discard_draft(self) -> None:
        if not self._pending_drafts:
            return
        draft = self._pending_drafts.pop(0)
        self.drafts.remove(draft.key)
        if self._pending_drafts:
            self._show_draft_offer()
        else:
            self.view.banner.clear()
