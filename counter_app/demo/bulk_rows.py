"""The demo's rows: ids assigned up front, buffered as plain dicts and written in bulk (SQLite
executemany, PostgreSQL COPY), parents before children; audit and print records shaped as the
services write them."""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlalchemy import JSON

from counter_app.demo.hall_profile import PRINTERS
from counter_app.forms.models import DOC_TITLES
from counter_app.models import (
    Application,
    AuditEntry,
    BlacklistEntry,
    Certificate,
    Commitment,
    Customer,
    HandoverBatch,
    HandoverLine,
    Material,
    MaterialOnFile,
    PrintRecord,
    StageEvent,
    SurveyAppointment,
    User,
)


class BulkRows:
    """Part of the demo generator: buffering and writing rows."""

    def _take_id(self, model) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _add(self, model, row: dict) -> None:
        self.buffers[model].append(row)

    def _audit(self, at: dt.datetime, user: User, window: int | None, action: str, target_type: str,
               target_id, detail) -> None:
        self._add(AuditEntry, {
            "id": self._take_id(AuditEntry), "at": at, "user_id": user.id, "username": user.username,
            "window_no": window, "pc": f"{self.hall.code}-W{window}" if window else f"{self.hall.code}-BACK",
            "action": action, "target_type": target_type, "target_id": str(target_id), "outcome": "ok",
            "detail": detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False),
            "hall_id": self.hall.id,
        })

    def _print(self, rng: random.Random, document: str, at: dt.datetime, clerk: User, window: int, *,
               number: str, application_id: int | None = None, batch_id: int | None = None,
               action: str = "print") -> None:
        """A print record and its audit entry, shaped as documents.record writes them."""
        sha256 = f"{rng.getrandbits(256):064x}"
        self._add(PrintRecord, {
            "id": self._take_id(PrintRecord), "document": document, "action": action,
            "application_id": application_id, "batch_id": batch_id, "user_id": clerk.id,
            "window_id": self.windows[window].id, "pc": f"{self.hall.code}-W{window}", "printer": PRINTERS[window],
            "path": "", "sha256": sha256, "outcome": "ok", "at": at, "hall_id": self.hall.id,
        })
        self._audit(at, clerk, window, action, "application" if application_id else "handover_batch", number,
                    {"document": document, "title": DOC_TITLES[document], "format": "pdf", "sha256": sha256,
                     "printer": PRINTERS[window]})

    def _flush(self) -> None:
        """Write the buffered rows, parents before children (foreign keys are checked at once).

        SQLite: one executemany per table with the column types' own bind processors applied here
        (the ORM bulk path splits rows into groups by which values are None; Core ``insert()`` spends
        more time building per-row parameter dicts than SQLite spends inserting). PostgreSQL: COPY
        in the same transaction, as psycopg's executemany sends one statement per row."""
        for model in _INSERT_ORDER:
            rows = self.buffers.pop(model, None)
            if not rows:
                continue
            if self.dialect == "postgresql":
                self._copy(model.__table__, rows)
            else:
                self._executemany(model.__table__, rows)

    def _executemany(self, table, rows: list[dict]) -> None:
        connection = self.session.connection()
        dialect = connection.dialect
        columns = list(rows[0])
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        names = ", ".join(f'"{name}"' for name in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        params = []
        for row in rows:
            values = [row[name] for name in columns]
            for i, process in converted:
                values[i] = process(values[i])
            params.append(tuple(values))
        connection.exec_driver_sql(sql, params)

    def _copy(self, table, rows: list[dict]) -> None:
        columns = list(rows[0])
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        names = ", ".join(f'"{name}"' for name in columns)
        raw = self.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in json_columns else row[c]
                                for c in columns])


_INSERT_ORDER = (
    HandoverBatch, Customer, Certificate, Application, MaterialOnFile, Material, Commitment, StageEvent,
    SurveyAppointment, HandoverLine, PrintRecord, AuditEntry, BlacklistEntry,
)
