"""The hall's settings of the customer's side: what the idle customer screen says, whether documents
wait for the customer's confirmation, and how long the rating question waits for an answer.

Which display is the customer screen is a per-PC choice and lives in the PC's own settings (ui)."""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.hall import hall as hall_mod
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import ValidationFailed
from counter_app.security.permissions import Perm, require

MIN_TIMEOUT, MAX_TIMEOUT = 10, 600
MAX_NOTICE = 300


@dataclass(frozen=True)
class CustomerSideSettings:
    hall_name: str
    supervision_phone: str
    service_phone: str
    notice: str
    confirmation_required: bool
    rating_timeout_seconds: int
    hall_id: int = 0
    # (hall id, name) of the halls an admin over several halls may pick (``hall.managed_hall_choice``)
    hall_choices: tuple[tuple[int, str], ...] = ()


def load(db: Database, actor: Actor | None = None, hall_id: int | None = None) -> CustomerSideSettings:
    """No permission needed: all of it is shown to every customer at the counter (of ``actor``'s hall;
    of hall ``hall_id`` for an admin over several halls, who picks it)."""
    with db.read() as session:
        hall = hall_mod.managed_hall(session, actor, hall_id) if actor is not None else hall_mod.require_hall(session)
        values = hall_mod.all_settings(session, hall.id)
        return CustomerSideSettings(
            hall_name=hall.name, supervision_phone=hall.supervision_phone,
            service_phone=str(values.get("service_phone") or ""), notice=str(values.get("customer_notice") or ""),
            confirmation_required=bool(values.get("customer_confirmation")),
            rating_timeout_seconds=int(values.get("rating_timeout_seconds") or 60),
            hall_id=hall.id, hall_choices=tuple(hall_mod.managed_hall_choice(session, actor) if actor else ()),
        )


def save(db: Database, actor: Actor, *, confirmation_required: bool, rating_timeout_seconds: int,
         notice: str, hall_id: int | None = None) -> None:
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="setting", target_id="customer_side")
    errors = {}
    if not MIN_TIMEOUT <= int(rating_timeout_seconds) <= MAX_TIMEOUT:
        errors["rating_timeout_seconds"] = f"评价等待时间应在 {MIN_TIMEOUT} 至 {MAX_TIMEOUT} 秒之间"
    notice = (notice or "").strip()
    if len(notice) > MAX_NOTICE:
        errors["customer_notice"] = f"客户屏提示最多 {MAX_NOTICE} 字（现有 {len(notice)} 字）"
    if errors:
        raise ValidationFailed(errors)
    wanted = {"customer_confirmation": bool(confirmation_required),
              "rating_timeout_seconds": int(rating_timeout_seconds), "customer_notice": notice}
    with db.write() as session:
        hall = hall_mod.managed_hall(session, actor, hall_id)
        current = hall_mod.all_settings(session, hall.id)
        for key, value in wanted.items():
            if current.get(key) != value:
                hall_mod.set_setting(session, actor, hall.id, key, value)
