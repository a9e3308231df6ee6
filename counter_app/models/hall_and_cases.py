"""The hall, its people and PCs, customers and certificates, applications with their materials,
commitments, stages and survey appointments, handovers, and the records (prints, exports, audit,
blacklist, calendar)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counter_app.models.base import Base, last_chars

# --- hall, windows, PCs, users -------------------------------------------------------------------


class Hall(Base):
    __tablename__ = "hall"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    supervision_phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime]

    windows: Mapped[list[CounterWindow]] = relationship(back_populates="hall", order_by="CounterWindow.number")


class HallSetting(Base):
    """Shared settings editable by an admin (time limits, thresholds, fees text …) as JSON values."""

    __tablename__ = "hall_setting"
    __table_args__ = (UniqueConstraint("hall_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[dict | list | str | int | float | bool | None] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class CounterWindow(Base):
    __tablename__ = "counter_window"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)

    hall: Mapped[Hall] = relationship(back_populates="windows")


class CounterPC(Base):
    """A PC registered as a counter; shows who is connected."""

    __tablename__ = "counter_pc"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(String(120), unique=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    app_version: Mapped[str] = mapped_column(String(20), default="")
    last_seen: Mapped[dt.datetime]
    last_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class User(Base):
    __tablename__ = "user_account"
    # names are stored in lower case (credentials.normal_username); the index makes the database
    # refuse a second spelling of one name too (migration 0011)
    __table_args__ = (Index("uq_user_account_username_lower", func.lower(literal_column("username")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))  # clerk | backoffice | supervisor | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # superseded by sign_in_lock (per account and PC, migration 0010): no code reads or writes these
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]
    # migration 0014: the hall the account works in; none for a city/province account (an owner-level
    # admin, the exchange job, a supervisor over the halls granted in hall_grant)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), default=None, index=True)
    password_changed_at: Mapped[dt.datetime | None]


class HallGrant(Base):
    """A hall a city/province supervisor is given besides (or instead of) an own hall: its registers
    and warnings (migration 0014). Written by the database owner only."""

    __tablename__ = "hall_grant"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True)
    granted_at: Mapped[dt.datetime]


class SignInLock(Base):
    """Wrong passwords counted per account and PC: a stranger at one PC cannot lock an admin out of
    every other PC, and an admin (or the database owner) lifts a lock by deleting its row. The
    counter is raised in one statement (``security.credentials``), never read and written back."""

    __tablename__ = "sign_in_lock"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    pc: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]


# --- customers and certificates ------------------------------------------------------------------


class Customer(Base):
    __tablename__ = "customer"
    # text_pattern_ops: PostgreSQL serves "name LIKE '王%'" from the index only with this operator
    # class (the database collation is not "C"); SQLite ignores it and uses the index for GLOB.
    # INCLUDE id: the name search reads ids only, from the index alone (migration 0003)
    __table_args__ = (Index("ix_customer_name", "name", postgresql_ops={"name": "text_pattern_ops"},
                            postgresql_include=["id"]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # person | organisation
    name: Mapped[str] = mapped_column(String(120))
    legal_rep_name: Mapped[str] = mapped_column(String(60), default="")
    legal_rep_id_number: Mapped[str] = mapped_column(String(30), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="", index=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    mailing_address: Mapped[str] = mapped_column(String(200), default="")
    # flags shown before accepting (欠费, 违约用电); blacklist lives in BlacklistEntry
    arrears_amount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    violation_case: Mapped[str] = mapped_column(String(200), default="")
    blacklisted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    certificates: Mapped[list[Certificate]] = relationship(back_populates="customer")


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("cert_type", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    cert_type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40), index=True)
    holder_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(4), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(100), default="")
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]

    customer: Mapped[Customer] = relationship(back_populates="certificates")


class MaterialOnFile(Base):
    """A customer's material kept in the archive and reusable until valid_until (在档)."""

    __tablename__ = "material_on_file"
    __table_args__ = (UniqueConstraint("customer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    source_application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    recorded_at: Mapped[dt.datetime]


# --- applications --------------------------------------------------------------------------------


class NumberCounter(Base):
    """Last serial per number prefix (hall code + date); incremented inside the saving transaction."""

    __tablename__ = "number_counter"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_status_stage", "status", "current_stage"),
        Index("ix_application_window_accepted", "window_id", "accepted_at"),
        # a customer's applications newest first, served from the index alone (name search)
        Index("ix_application_customer_accepted", "customer_id", "accepted_at", "id"),
        # a hall's applications by customer, from the index alone (a name search in one hall of a
        # province: migration 0015)
        Index("ix_application_hall_customer", "hall_id", "customer_id", "accepted_at", "id"),
        # a hall's register in acceptance order (its export's cursor, migration 0015)
        Index("ix_application_hall_accepted", "hall_id", "accepted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    # drawn when the form is opened: a save retried after its commit (connection lost before the
    # answer) finds this row instead of creating a second application; older rows have none
    form_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("counter_window.id"))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))  # ix_application_customer_accepted
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))

    business_type: Mapped[str] = mapped_column(String(30), index=True)
    account_number: Mapped[str] = mapped_column(String(30), default="")  # existing 户号 for changes
    usage_category: Mapped[str] = mapped_column(String(20), default="")
    industry: Mapped[str] = mapped_column(String(60), default="")
    existing_capacity: Mapped[Decimal] = mapped_column(default=Decimal(0))
    applied_capacity: Mapped[Decimal] = mapped_column(default=Decimal(0))
    total_capacity: Mapped[Decimal] = mapped_column(default=Decimal(0))
    capacity_unit: Mapped[str] = mapped_column(String(4), default="kW")
    supply_voltage: Mapped[str] = mapped_column(String(20), default="")
    load_importance: Mapped[str] = mapped_column(String(20), default="")
    wanted_date: Mapped[dt.date | None] = mapped_column(Date)
    project_name: Mapped[str] = mapped_column(String(200), default="")

    address_district: Mapped[str] = mapped_column(String(100), default="")
    address_detail: Mapped[str] = mapped_column(String(200), default="")
    mailing_address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_mobile: Mapped[str] = mapped_column(String(20), default="", index=True)
    contact_phone: Mapped[str] = mapped_column(String(30), default="", index=True)

    legal_rep_name: Mapped[str] = mapped_column(String(60), default="")
    legal_rep_id_number: Mapped[str] = mapped_column(String(30), default="")
    agent_name: Mapped[str] = mapped_column(String(60), default="")
    agent_cert_type: Mapped[str] = mapped_column(String(20), default="")
    agent_cert_number: Mapped[str] = mapped_column(String(40), default="")
    agent_mobile: Mapped[str] = mapped_column(String(20), default="")
    # migration 0013: the agent's address, printed on the 授权委托书
    agent_address: Mapped[str] = mapped_column(String(200), default="", server_default="")

    vat_taxpayer_number: Mapped[str] = mapped_column(String(30), default="")
    vat_bank: Mapped[str] = mapped_column(String(100), default="")
    vat_account: Mapped[str] = mapped_column(String(40), default="")
    vat_address: Mapped[str] = mapped_column(String(200), default="")
    vat_phone: Mapped[str] = mapped_column(String(30), default="")

    green_channel: Mapped[bool] = mapped_column(default=False)
    green_reason: Mapped[str] = mapped_column(String(200), default="")
    green_manager: Mapped[str] = mapped_column(String(60), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")  # printed on the form the customer signs
    # migration 0008: never printed on a customer document
    internal_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    previous_holder_name: Mapped[str] = mapped_column(String(120), default="", server_default="")  # 原户名
    supply_mode: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 电源数/供电方式
    security_load: Mapped[str] = mapped_column(String(60), default="", server_default="")  # 保安负荷
    main_equipment: Mapped[str] = mapped_column(Text, default="", server_default="")
    planned_load: Mapped[str] = mapped_column(Text, default="", server_default="")
    # migration 0013: 外线工程 needed, known after the survey (None: not recorded yet); it moves the
    # whole-process promise (tracking.time_limits.promised_days)
    external_works: Mapped[bool | None] = mapped_column(default=None)
    external_works_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    status: Mapped[str] = mapped_column(String(20), default="active")  # active | completed | terminated
    current_stage: Mapped[str] = mapped_column(String(30), default="accept")
    current_handler: Mapped[str] = mapped_column(String(60), default="")
    stage_due_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # whole-process deadline
    due_estimated: Mapped[bool] = mapped_column(default=False)

    cert_entered_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime] = mapped_column(index=True)
    counter_seconds: Mapped[int | None]
    completed_at: Mapped[dt.datetime | None]
    terminated_at: Mapped[dt.datetime | None]
    terminated_reason: Mapped[str] = mapped_column(String(200), default="")
    terminated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    certificate: Mapped[Certificate] = relationship()
    materials: Mapped[list[Material]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Material.seq"
    )
    commitments: Mapped[list[Commitment]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    stage_events: Mapped[list[StageEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="StageEvent.id"
    )
    appointments: Mapped[list[SurveyAppointment]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


# Search by the digits people remember (migration 0012): the last 4 of a phone (with a name) and the
# last 6 of an ID number, each an indexed lookup instead of a scan of every application.
# An application's tails carry its hall (migration 0015): a clerk's search of a province reads the
# few of the hall, not the province's hundreds.
Index("ix_application_mobile_tail", last_chars(Application.contact_mobile, 4), Application.hall_id)
Index("ix_application_phone_tail", last_chars(Application.contact_phone, 4), Application.hall_id)
# PostgreSQL answers the customers' tails from the index alone only if it holds the column the tail is
# of, and the id returned (migration 0016; SQLite's index holds the rowid)
Index("ix_customer_mobile_tail", last_chars(Customer.mobile, 4), postgresql_include=["mobile", "id"])
Index("ix_certificate_number_tail", last_chars(Certificate.number, 6), postgresql_include=["number", "customer_id"])


class Material(Base):
    __tablename__ = "material"
    __table_args__ = (
        UniqueConstraint("application_id", "code"),
        Index("ix_material_state_due", "state", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(12))  # received | deferred | on_file | supplied | missing
    copies: Mapped[int] = mapped_column(default=1)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(default=False)
    supplied_at: Mapped[dt.datetime | None]
    supplied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    application: Mapped[Application] = relationship(back_populates="materials")


class Commitment(Base):
    """A signed commitment letter: 材料真实性 (authenticity) or 容缺 (deferral)."""

    __tablename__ = "commitment"
    __table_args__ = (UniqueConstraint("application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # authenticity | deferral
    signed_at: Mapped[dt.datetime]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    items: Mapped[list] = mapped_column(JSON, default=list)
    fulfilled_at: Mapped[dt.datetime | None]

    application: Mapped[Application] = relationship(back_populates="commitments")


class StageEvent(Base):
    __tablename__ = "stage_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(12), default="enter")  # enter | return | terminate | complete
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(default=False)
    handler: Mapped[str] = mapped_column(String(60), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="app")  # app | import
    external_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    application: Mapped[Application] = relationship(back_populates="stage_events")


class SurveyAppointment(Base):
    __tablename__ = "survey_appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(12))  # fixed (约时) | halfday (限时) | by_date (限期)
    team: Mapped[str] = mapped_column(String(60), default="")
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(20), default="")  # "09:30" | am | pm | ""
    note: Mapped[str] = mapped_column(String(200), default="")
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime]

    application: Mapped[Application] = relationship(back_populates="appointments")


# --- handover ------------------------------------------------------------------------------------


class HandoverBatch(Base):
    __tablename__ = "handover_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("counter_window.id"))
    # migration 0014: stamped from the window, so row-level security filters by hall without a join
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), default=None, index=True)
    shift: Mapped[str] = mapped_column(String(20), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | confirmed
    receiver_name: Mapped[str] = mapped_column(String(60), default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[HandoverLine]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="HandoverLine.seq"
    )

    __mapper_args__ = {"version_id_col": version}


class HandoverLine(Base):
    __tablename__ = "handover_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("handover_batch.id", ondelete="CASCADE"), index=True)
    # unique: an application is handed over in exactly one batch
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    seq: Mapped[int]
    copies: Mapped[int] = mapped_column(default=0)
    remark: Mapped[str] = mapped_column(String(20), default="")  # "" | 缺件 | 退回
    remark_note: Mapped[str] = mapped_column(String(200), default="")
    # migration 0012: why a case whose documents were never printed was handed over all the same
    unprinted_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    batch: Mapped[HandoverBatch] = relationship(back_populates="lines")
    application: Mapped[Application] = relationship()


# --- records: prints, exports, audit, blacklist, calendar ----------------------------------------


class PrintRecord(Base):
    __tablename__ = "print_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(12))  # print | reprint | save_pdf | save_docx | preview
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("handover_batch.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("counter_window.id"))
    pc: Mapped[str] = mapped_column(String(120), default="")
    printer: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(String(500), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    at: Mapped[dt.datetime]
    # migration 0014: the actor's hall, so row-level security shows a hall its own records only
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), default=None, index=True)


class ExportRecord(Base):
    __tablename__ = "export_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    row_count: Mapped[int] = mapped_column(default=0)
    unmasked: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[dt.datetime]
    # migration 0014: the actor's hall, so row-level security shows a hall its own records only
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), default=None, index=True)


class AuditEntry(Base):
    """Append-only trail. The domain API offers no update or delete for it."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_at_action", "at", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(40), default="")
    window_no: Mapped[int | None]
    pc: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(30), default="")
    target_id: Mapped[str] = mapped_column(String(60), default="")
    outcome: Mapped[str] = mapped_column(String(12), default="ok")  # ok | refused | failed
    detail: Mapped[str] = mapped_column(Text, default="")
    # migration 0014: the actor's hall, so row-level security shows a hall its own records only
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), default=None, index=True)


class BlacklistEntry(Base):
    __tablename__ = "blacklist_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    reason: Mapped[str] = mapped_column(String(200))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[dt.datetime]
    removed_reason: Mapped[str] = mapped_column(String(200), default="")
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    removed_at: Mapped[dt.datetime | None]


class CalendarOverride(Base):
    """A hall's correction of the official calendar: a day declared holiday or workday."""

    __tablename__ = "calendar_override"
    __table_args__ = (UniqueConstraint("hall_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime]
