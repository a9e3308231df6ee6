"""The certificate typed, scanned or read from the card, checked at once, and the known customer
looked up by it (flags, materials on file, pre-filled fields). A part of
:class:`counter_app.ui.acceptance_page.AcceptancePage`, whose state it uses."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from counter_app.acceptance import identity
from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import split_address
from counter_app.infra import clock
from counter_app.infra.errors import UserError
from counter_app.ui.acceptance_form import ORGANISATION_TYPE
from counter_app.ui.kit import background
from counter_app.ui.kit.widgets import editor_text, set_editor_text

log = logging.getLogger(__name__)


class CertificatePart:
    # --- certificate ----------------------------------------------------------------------------

    def _cert_type_changed(self) -> None:
        if self._filling:
            return
        code = self.view.cert_type.currentData()
        if identity.cert_kind(code) == identity.ORGANISATION:
            current = self.view.business_type.currentData()
            if current in ORGANISATION_TYPE:
                set_editor_text(self.view.business_type, ORGANISATION_TYPE[current])
        self._cert_changed(final=bool(self.view.cert_number.text()))

    def _offer_cert_type(self, code: str, text: str, suggested: str) -> bool:
        """Ask once per number whether to switch the type (a credit code typed under 居民身份证)."""
        if getattr(self, "_type_offered_for", None) == (code, text):
            return False
        self._type_offered_for = (code, text)
        if not self._confirm("证件类型", f"{identity.wrong_type_message(code, suggested)}。\n\n现在改为"
                                          f"“{identity.cert_label(suggested)}”吗？"):
            return False
        v = self.view
        v.cert_type.setCurrentIndex(v.cert_type.findData(suggested))
        return True

    def _cert_changed(self, *_args, final: bool = False) -> None:
        if self._filling:
            return
        v = self.view
        code = v.cert_type.currentData()
        text = identity.normalize(v.cert_number.text())
        result = identity.check(code, text)
        # 18-character numbers are judged the moment they are complete, others when the clerk moves on
        complete = final or len(text) >= 18
        row = v.rows["cert_number"]
        suggested = identity.suggest_cert_type(code, text) if complete and not result.ok else None
        if suggested and self._offer_cert_type(code, text, suggested):
            return  # the type changed: _cert_type_changed checked the number again
        if not text:
            row.show_error(None)
        elif suggested:
            row.show_error(identity.wrong_type_message(code, suggested))
        elif not result.ok:
            row.show_error(result.error if complete else None)
        else:
            row.show_error("；".join(result.warnings) or None, warning=True)
        if self._card is not None and text != identity.normalize(self._card.number):
            self._card = None  # another certificate than the one read: the card's details do not apply
        if result.ok and text and complete:
            if self.cert_entered_at is None:
                self.cert_entered_at = clock.now()
            self._lookup(code, result.number)
        elif self.known is not None and (code, text) != self._looked_up:
            self._apply_known(None)
        self._update_cert_info()

    def _update_cert_info(self) -> None:
        v = self.view
        code = v.cert_type.currentData()
        result = identity.check(code, v.cert_number.text())
        parts = []
        card = self._card
        sex = (card.sex if card else "") or result.sex
        birth = (card.birth_date if card else None) or result.birth_date
        if sex:
            parts.append(f"性别：{sex}")
        if birth:
            parts.append(f"出生：{birth:%Y-%m-%d}")
        if card and card.address:
            parts.append(f"证件地址：{card.address}")
        if card and card.issuer:
            parts.append(f"签发机关：{card.issuer}")
        v.cert_info.setText("　".join(parts))
        v.cert_info.setVisible(bool(parts))

    def _holder_changed(self, text: str) -> None:
        """A person is usually their own contact; an organisation names someone."""
        if self._filling:
            return
        contact = self.editors["contact_name"]
        person = identity.cert_kind(self.view.cert_type.currentData()) == identity.PERSON
        if person and (not contact.text() or contact.text() == self._last_holder):
            contact.setText(text)
        elif not person and contact.text() == self._last_holder:
            contact.clear()
        self._last_holder = text

    _last_holder = ""

    def read_card(self) -> None:
        """F2: take the certificate from the reader and fill the form the way the clerk would."""
        if self.busy:
            return
        try:
            card = self.reader.read()
        except UserError as exc:
            self.view.rows["cert_number"].show_error(str(exc), warning=True)
            self.view.cert_number.setFocus(Qt.OtherFocusReason)
            return
        v, e = self.view, self.editors
        self._card = card
        set_editor_text(v.cert_type, card.cert_type)
        v.holder_name.setText(card.name)
        v.cert_valid_until.setText(card.validity_label())
        district, detail = split_address(card.address)
        typed_district = e["address_district"].text() not in ("", self._auto_values.get("address_district"))
        if not typed_district and not e["address_detail"].text():
            e["address_district"].setText(district)
            e["address_detail"].setText(detail)
        v.cert_number.setText(card.number)
        self._cert_changed(final=True)
        self._changed()
        self.focus_first_empty()

    # --- known customer -------------------------------------------------------------------------

    _lookup_token: object | None = None  # the lookup whose answer the form still waits for

    def _forget_lookups(self, cert_type: str, number: str) -> None:
        """The form now shows this certificate as saved or loaded: it counts as looked up, and the
        answer of a lookup still under way is dropped (the save disables the form, the number field
        loses the focus and a lookup starts beside the save: answered after it, it found the customer
        just saved and filled the saved form with what is now on file)."""
        self._looked_up = self._lookup_key(cert_type, number)
        self._lookup_token = None

    @staticmethod
    def _lookup_key(cert_type: str, number: str) -> tuple[str, str]:
        """What a lookup of this certificate is remembered by (the number as the check normalises it)."""
        return cert_type, identity.check(cert_type, number).number

    def _lookup(self, cert_type: str, number: str) -> None:
        key = (cert_type, number)
        if key == self._looked_up:
            return
        self._looked_up = key
        token = self._lookup_token = object()

        def done(known) -> None:
            if self._lookup_token is token:
                self._apply_known(known)

        def failed(exc: BaseException) -> None:
            if self._lookup_token is token:
                self._looked_up = None
                self.view.known_info.setText(f"暂时无法查询客户档案：{exc}（可继续受理，保存时会再核对）")
                self.view.known_info.show()

        background.run(
            self, lambda: acceptance.lookup_customer(self.db, self.actor, *key), done, failed
        )

    def _apply_known(self, known: acceptance.KnownCustomer | None) -> None:
        self.known = known
        self._show_flags(known)
        if known is not None:
            e, v = self.editors, self.view
            focus_before = self.focusWidget()
            if not v.holder_name.text():
                v.holder_name.setText(known.name)
            for code, value in known.prefill.items():
                editor = e.get(code)
                if editor is not None and editor_text(editor) in ("", self._auto_values.get(code)):
                    set_editor_text(editor, value)  # a default gives way to what is on file
            if not v.cert_valid_until.text() and known.cert_valid_until:
                v.cert_valid_until.setText(known.cert_valid_until.isoformat())
            if (
                focus_before is self._auto_focus
                and isinstance(focus_before, QLineEdit)
                and not focus_before.text()
            ):
                self.focus_first_empty()
        self._rebuild_materials()
        self._changed()

    def _show_flags(self, known: acceptance.KnownCustomer | None) -> None:
        v = self.view
        if known is None:
            v.flags.hide()
            v.known_info.hide()
            return
        flags = known.flags
        v.flags.setText("请注意：" + "；".join(flags) if flags else "")
        v.flags.setAccessibleName(v.flags.text())
        v.flags.setVisible(bool(flags))
        info = [f"老客户：已办理 {known.application_count} 笔业务"]
        if known.open_applications:
            info.append("在途：" + "、".join(f"{n}（{b}，{s}）" for n, b, s in known.open_applications))
        if known.on_file_names:
            info.append("在档资料：" + "、".join(known.on_file_names.values()))
        typed = v.holder_name.text().strip()
        if typed and typed != known.name:
            info.append(f"档案户名为“{known.name}”，与输入不一致，请核对")
        v.known_info.setText("；".join(info))
        v.known_info.show()
