"""What each printed document says: document models built from an application (or a handover batch).

``build(snapshot, code)`` returns the model of one document; ``applicable(snapshot)`` the codes of
the set this application needs (容缺承诺书 only when something is deferred, 授权委托书 only when an
agent applies)."""

from __future__ import annotations

from collections.abc import Callable

from counter_app.infra.errors import UserError
from counter_app.forms import application_form, letters, notice, receipt
from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES, Document
from counter_app.forms.snapshot import AppSnapshot, collect

BUILDERS: dict[str, Callable[[AppSnapshot], Document]] = {
    "notice": notice.build,
    "form": application_form.build,
    "commitment": letters.authenticity,
    "deferral": letters.deferral,
    "proxy": letters.proxy,
    "receipt": receipt.build,
}


def applicable(snapshot: AppSnapshot) -> tuple[str, ...]:
    return tuple(code for code in APPLICATION_DOCS if why_not(snapshot, code) is None)


def why_not(snapshot: AppSnapshot, code: str) -> str | None:
    """None when the document belongs to this application's set, else the reason it does not."""
    if code == "deferral" and not snapshot.has_deferred:
        return "本申请没有容缺资料"
    if code == "proxy" and not snapshot.has_agent:
        return "本申请由客户本人办理，没有经办人"
    return None


def build(snapshot: AppSnapshot, code: str) -> Document:
    try:
        builder = BUILDERS[code]
    except KeyError:
        raise UserError(f"未知的单据：{code}（可选：{'、'.join(APPLICATION_DOCS)}）") from None
    return builder(snapshot)


__all__ = ["APPLICATION_DOCS", "DOC_TITLES", "AppSnapshot", "applicable", "build", "collect", "why_not"]
