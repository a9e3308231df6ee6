"""Counter PCs: which PC works at which window, who last signed in there, and how the PC shows up
on a shared PostgreSQL server (``application_name`` = counter_app/<hall>/w<window>/<host>).

The window app calls ``register_pc`` in the sign-in transaction and ``name_connections`` once it
knows the hall and window, so ``pg_stat_activity`` (and ``connected_counters``) say who is on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from counter_app import __version__
from counter_app.infra import clock
from counter_app.infra.context import Actor, this_pc
from counter_app.infra.db import Database
from counter_app.models import CounterPC, CounterWindow, Hall, User


def register_pc(session: Session, actor: Actor, *, hostname: str | None = None,
                app_version: str = __version__) -> CounterPC:
    """Record (or refresh) this PC as a counter: its window, app version, last user and time."""
    host = (hostname or actor.pc or this_pc())[:120]
    pc = session.scalar(select(CounterPC).where(CounterPC.hostname == host))
    if pc is None:
        pc = CounterPC(hostname=host, last_seen=clock.now())
        session.add(pc)
    pc.window_id = actor.window_id
    pc.app_version = app_version[:20]
    pc.last_seen = clock.now()
    pc.last_user_id = actor.user_id
    session.flush()
    return pc


def counter_app_name(hall_code: str, window_no: int | None, host: str | None = None) -> str:
    """The PostgreSQL application_name of a counter: counter_app/<hall>/w<window>/<host>.

    PostgreSQL keeps only printable ASCII (others become "?") and 63 bytes; doing the same here
    lets ``connected_counters`` compare names exactly."""
    parts = ("counter_app", hall_code, f"w{window_no}" if window_no else "", host or this_pc())
    name = "/".join(p for p in parts if p)
    return "".join(c if " " <= c <= "~" else "?" for c in name)[:63]


def open_for_counter(url: str, hall_code: str, window_no: int | None) -> Database:
    """A Database whose PostgreSQL connections carry the hall, window and host in application_name."""
    return Database.from_url(url, app_name=counter_app_name(hall_code, window_no))


def name_connections(db: Database, hall_code: str, window_no: int | None) -> str:
    """Rename an open Database's future PostgreSQL connections (after sign-in, when the window is
    known) and drop the pooled ones so the new name shows at once. No-op for SQLite."""
    name = counter_app_name(hall_code, window_no)
    if db.engine.dialect.name != "postgresql":
        return name
    previous = getattr(db.engine, "_counter_app_name_listener", None)
    if previous is not None:
        event.remove(db.engine, "do_connect", previous)

    def set_name(_dialect, _record, _cargs, cparams) -> None:
        cparams["application_name"] = name

    event.listen(db.engine, "do_connect", set_name)
    db.engine._counter_app_name_listener = set_name
    db.engine.dispose()
    return name


def on_sign_in(db: Database, actor: Actor, hall_code: str) -> CounterPC:
    """What the window app does once a clerk has signed in at a window: name the PostgreSQL
    connections after hall/window/host and record the PC (own transaction, retried if the line drops)."""
    name_connections(db, hall_code, actor.window_no)
    return db.run_write(lambda session: register_pc(session, actor))


@dataclass(frozen=True)
class CounterStatus:
    hostname: str
    window_no: int | None
    window_name: str
    app_version: str
    last_seen: dt.datetime
    last_user: str
    connected: bool | None  # None: cannot tell (SQLite)


def connected_counters(session: Session) -> list[CounterStatus]:
    """Registered counter PCs, newest first, and whether each has a live PostgreSQL connection."""
    live = live_application_names(session)
    live_set = set(live or ())
    rows = session.execute(
        select(CounterPC, CounterWindow.number, CounterWindow.name, Hall.code, User.name)
        .outerjoin(CounterWindow, CounterWindow.id == CounterPC.window_id)
        .outerjoin(Hall, Hall.id == CounterWindow.hall_id)
        .outerjoin(User, User.id == CounterPC.last_user_id)
        .order_by(CounterPC.last_seen.desc(), CounterPC.hostname)
    )
    result = []
    for pc, window_no, window_name, hall_code, user_name in rows:
        connected = None
        if live is not None:
            names = {counter_app_name("", None, pc.hostname)}
            if hall_code:
                names.add(counter_app_name(hall_code, window_no, pc.hostname))
            connected = bool(names & live_set)
        result.append(CounterStatus(pc.hostname, window_no, window_name or "", pc.app_version, pc.last_seen,
                                    user_name or "", connected))
    return result


def live_application_names(session: Session) -> list[str] | None:
    """application_name of the app's connections now open on the server (None on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return list(session.scalars(text(
        "SELECT application_name FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE 'counter_app/%'")))
